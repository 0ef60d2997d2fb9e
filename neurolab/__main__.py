"""``python -m neurolab`` is the ``neurolab`` command."""

import sys

from neurolab.app import main

sys.exit(main())
