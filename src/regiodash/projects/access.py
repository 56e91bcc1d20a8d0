"""Private projects: the portfolio as one visitor may see it.

Which projects are private, and who their members are, is in the roles file
(REGIODASH_ROLES_FILE, `config.Roles`), not in the project tables, so making a project private
needs no re-import. Whatever a page shows or offers for download about projects is built from
the portfolio `visible_to` returns, so a private project's rows (its partners, KPIs and KPI
values too) reach only its members: anonymous visitors and other signed-in users see the
portfolio without it, as if it did not exist. The command line (`regiodash projects ...`,
`regiodash report project`) is the operator's and sees everything.
"""

from __future__ import annotations

import pandas as pd

from regiodash.config import Identity, Roles
from regiodash.projects.model import TABLE_ORDER, Portfolio


def hidden_projects(roles: Roles, who: Identity | None) -> frozenset[str]:
    """The private projects `who` (None: an anonymous visitor) is not a member of."""
    return roles.private_projects - roles.visible_private(who)


def visible_to(portfolio: Portfolio, roles: Roles, who: Identity | None) -> Portfolio:
    """The portfolio without the rows of the private projects `who` may not see (all four
    tables, by project_id); the same object when nothing is hidden."""
    hidden = hidden_projects(roles, who)
    if not hidden:
        return portfolio

    def keep(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[~frame["project_id"].isin(hidden)].reset_index(drop=True)

    return Portfolio(**{name: keep(portfolio.table(name)) for name in TABLE_ORDER},
                     origin=portfolio.origin)
