"""Entry point of the frozen NeuroLab (PyInstaller): the same as the ``neurolab`` command."""

import multiprocessing
import sys

if __name__ == "__main__":
    # A frozen app must call this before anything else may spawn a child process
    # (a no-op unless this process is a multiprocessing child on Windows/macOS).
    multiprocessing.freeze_support()
    from neurolab.app import main

    sys.exit(main())
