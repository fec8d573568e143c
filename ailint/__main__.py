from ailint.cli import main

raise SystemExit(main())
