"""What the engine knows about AI SDK and HTTP clients: the catalog (data), and the analysis
that follows a client from where it is built to where it is called."""
