"""The user's usual tone with someone: what a draft is compared with ("colder than usual").

The mean polarity of the replies the user gave the contact (sent from Rapport, or made on the
platform and seen by a sync), over every contact of the person when the contact is linked to
one. It counts only after MIN_REPLIES replies: one or two are no habit to compare with.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.store.repository import Store

MIN_REPLIES = 3


@dataclass(frozen=True, slots=True)
class UsualTone:
    polarity: float
    replies: int
    #: The person's name when the contact is linked to one (the tone is theirs, then).
    person: str | None = None


async def usual_tone(
    store: Store, contact_id: int | None, minimum: int = MIN_REPLIES
) -> UsualTone | None:
    """The user's usual tone with this contact (or its person), None before `minimum` replies."""
    if contact_id is None:
        return None
    await store.ledger_prepare()  # a store from before the ledger: compute it once first
    given = await store.tone_given_to(contact_id)
    if given.count < max(1, minimum):
        return None
    return UsualTone(given.total / given.count, given.count, given.person)
