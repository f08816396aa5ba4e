# Nynorsk uses the same date and number formats as bokmål.
from samarbeid.formats.nb.formats import *  # noqa: F403
