"""Tactical engine: track states -> predicted conflicts, DO-365 alerts, manoeuvre bands, intrusions, incidents.

Pure and NumPy-vectorised: no I/O, no global state. Each private module declares ``__all__``; this
package re-exports them.
"""

from airparley.tactical import (
    _bands,
    _daidalus,
    _encounters,
    _incidents,
    _intrusions,
    _nonresponse,
    _picture_alerts,
    _plot,
    _records,
    _scan,
    _states,
)
from airparley.tactical._bands import *  # noqa: F403
from airparley.tactical._daidalus import *  # noqa: F403
from airparley.tactical._encounters import *  # noqa: F403
from airparley.tactical._incidents import *  # noqa: F403
from airparley.tactical._intrusions import *  # noqa: F403
from airparley.tactical._nonresponse import *  # noqa: F403
from airparley.tactical._picture_alerts import *  # noqa: F403
from airparley.tactical._plot import *  # noqa: F403
from airparley.tactical._records import *  # noqa: F403
from airparley.tactical._scan import *  # noqa: F403
from airparley.tactical._states import *  # noqa: F403

__all__ = [
    *_bands.__all__,
    *_daidalus.__all__,
    *_encounters.__all__,
    *_incidents.__all__,
    *_intrusions.__all__,
    *_nonresponse.__all__,
    *_picture_alerts.__all__,
    *_plot.__all__,
    *_records.__all__,
    *_scan.__all__,
    *_states.__all__,
]
