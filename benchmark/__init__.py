"""An open benchmark suite for EEG motor-imagery decoding around MIRepNet.

Run it as ``python -m benchmark``; see README.md.
"""

__version__ = "0.1.0"
