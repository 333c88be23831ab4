"""Tactical engine: track states -> predicted conflicts, DO-365 alerts, manoeuvre bands, intrusions, incidents.

Pure and NumPy-vectorised: no I/O, no global state. Each private module declares ``__all__``; this
package re-exports them.
"""

from airparley.tactical._bands import *  # noqa: F403
from airparley.tactical._daidalus import *  # noqa: F403
from airparley.tactical._incidents import *  # noqa: F403
from airparley.tactical._intrusions import *  # noqa: F403
from airparley.tactical._scan import *  # noqa: F403
from airparley.tactical._states import *  # noqa: F403
