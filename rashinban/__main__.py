import sys

from rashinban.cli import main

sys.exit(main())
