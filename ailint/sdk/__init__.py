"""What the engine knows about AI SDK and HTTP clients.

* `catalog`: the SDKs as data (clients, calls, where timeouts, retries and output caps live,
  units, defaults, sources), plus the run's active catalog with in-house entries;
* `custom`: in-house clients declared in config or by the `ailint_sdk_catalog` hook;
* `scopes`: one pass over a module recording what each name can hold;
* `analysis`: following a client from where it is built to where it is called
  (`NetworkCalls.of(file)`);
* `project_index`: the project-wide table of clients other modules import, built once per run;
* `effective`: what applies to one call (timeout, retries and fallbacks, output cap);
* `values`: the meaning of literal settings (disabled, seconds).
"""
