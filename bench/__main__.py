"""``python -m bench``: run the import benchmark."""

from bench.import_bench import main

raise SystemExit(main())
