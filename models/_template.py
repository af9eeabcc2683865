"""The size of the channel template MIRepNet was pretrained on: the one home of that number.

The template's channel names and positions belong to the shared preprocessing
(``benchmark.preprocessing.TEMPLATE_CHANNELS``), which maps every montage onto them.
The zoo needs only their count (MIRepNet's spatial convolution is as tall as the
template) and may not import the preprocessing layer, so the count lives here; a test
checks that it equals the length of the preprocessing's channel list.
"""

from __future__ import annotations

__all__ = ["N_TEMPLATE_CHANNELS"]

#: Channels of the template, the only channel count MIRepNet accepts.
N_TEMPLATE_CHANNELS = 45
