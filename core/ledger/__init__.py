"""The consistency ledger: how the user has been treating each contact and each person.

    from core.ledger import Ledger, ContactSummary
    ledger = Ledger(store, target_response=timedelta(hours=4))
    summary = await ledger.contact_summary(contact_id)   # one short sentence + numbers + flags

Definitions (the tests compute these by hand):

- An item is **answered** when (1) a reply to it was sent from Rapport (replies.state = 'sent';
  answered at its sent_at), or (2) the user's own post on the platform has it as parent (seen
  in a page's own_posts or in fetched thread context; answered at that post's time), or
  (3, weaker) the user posted later in the same thread (same account, same thread root) after
  it. The **first answer** is the earliest of these; **time to first reply** is first answer
  minus the item's created_at (never below zero). Replies made before the first sync count as
  soon as the own post is seen.
- An item the user marked done without answering is **not answered** (it counts as unanswered
  in the reply rate) but is not owed either.
- **Owed**: addressed to the user directly (every kind Rapport stores: mention, reply, direct,
  comment, review, quote, and questions), state new, unanswered, not deleted, and older than
  the target response time (config general.target_response, default 4 h). With
  general.business_hours = [start, end], only those hours on Monday to Friday count towards
  the target (local time). Waiting times shown are wall-clock.
- A **deleted** item (gone on the platform) stays in the history: it counts in received and in
  answered or unanswered as it was; it is never owed, and an unanswered deleted item does not
  extend the streak (there is nothing left to answer).
- Per contact: received, answered, unanswered (= received - answered), **reply rate**
  (answered / received), **median** and **p90** time to first reply (see core.ledger.numbers),
  the **streak** (unanswered, undeleted items newer than the newest answered one: the most
  recent run without an answer), last interaction each way (newest item received; latest
  first-answer time), **tone received** (mean item polarity; recent = the last 30 days, against
  before), **tone given** (mean polarity of the user's replies: sent from Rapport, from
  replies.tone, and made on the platform, from own_posts.polarity), and the platform. A
  contact is one identity on one platform: a changed handle is the same contact.
- **Usual tone** with a contact (what a draft is compared with, "colder than usual"): the mean
  tone given, over the person's contacts when linked, once there are 3 replies
  (core.ledger.usual). Tone given counts the user's own posts seen on the platform that reply
  to a stored item (scored at sync), beside replies sent from Rapport; the platform's copy of
  a reply sent from Rapport counts once.
- Per **person** (contacts linked by the user): the same, over all their contacts' items.
- Flags and their thresholds: core.ledger.flags. Statistics: core.ledger.engagement. Link
  suggestions: core.ledger.links.

The store keeps the numbers current (triggers in migrations 5 and 7, see core.store.ledger_sql),
so reading one contact is a few indexed lookups and a new item costs the ledger microseconds.
"""

from core.ledger.engagement import Stats
from core.ledger.ledger import Ledger
from core.ledger.links import LinkSuggestion
from core.ledger.model import ContactSummary, Flag, FlagKind, OwedItem
from core.ledger.usual import MIN_REPLIES, UsualTone, usual_tone

__all__ = [
    "MIN_REPLIES",
    "ContactSummary",
    "Flag",
    "FlagKind",
    "Ledger",
    "LinkSuggestion",
    "OwedItem",
    "Stats",
    "UsualTone",
    "usual_tone",
]
