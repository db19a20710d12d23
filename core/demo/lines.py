"""What the demo's people say, by who they are. Written to exercise every view: questions left
unanswered, fans worth thanking, colleagues, critics, sarcasm, hostility, and calm answers."""

from __future__ import annotations

PROJECT = "Lumen"
FEATURES = (
    "the plugin API",
    "dark mode",
    "the config loader",
    "search",
    "the Windows build",
    "keyboard shortcuts",
    "the export to CSV",
    "sync",
    "the docs site",
    "the new parser",
)
VERSIONS = ("2.0", "2.1", "2.1.1", "2.2-beta", "1.9.4")

LINES: dict[str, tuple[str, ...]] = {
    "fan": (
        "Just tried {project} {version} and wow, {feature} is so much faster. Thank you!",
        "Congrats on the {version} release! Been waiting for {feature} for ages 🎉",
        "{project} saved my whole afternoon today. Huge thanks to you and the team.",
        "I gave a talk about {project} at our meetup, people loved {feature}!",
        "Your post on {feature} was the clearest explanation I've read. Bookmarked.",
        "Small thing but the changelog for {version} is a joy to read. Great work ❤️",
        "Switched our whole team to {project} this week. Onboarding took ten minutes.",
    ),
    "colleague": (
        "Reviewed your PR for {feature}: looks good, left two small comments.",
        "Can we sync tomorrow about the {version} release plan? I have a draft.",
        "I pushed a fix for {feature}, could you take a look when you have a minute?",
        "Benchmarks for {feature} are in the doc, 30% better than {version}.",
        "Heads up: CI is red on main since the {feature} merge, looking into it.",
        "Would you be up for co-writing the {version} release notes?",
    ),
    "newcomer": (
        "Hi! How do I enable {feature} in {project}? The docs page seems to be missing.",
        "Is {feature} supposed to work on {version}? I get an error on startup.",
        "Quick question: does {project} support {feature} on Windows yet?",
        "What's the best way to migrate my config from {version}? Any guide?",
        "Is there a roadmap for {feature}? Happy to help test.",
        "Sorry if this is a dumb question, where do I report a bug in {feature}?",
        "Does anyone know why {feature} ignores my settings after upgrading to {version}?",
    ),
    "critic": (
        "{feature} in {version} broke my setup again. Do you even test these releases?",
        "Honestly the {version} release feels rushed. {feature} is half-finished.",
        "Third time I report this bug in {feature}. Still no answer. Great.",
        "Why was {feature} removed without any warning? This is frustrating.",
        "The docs for {feature} are useless, I wasted two hours on this.",
        "Wow, another breaking change in {feature}. Thanks a lot 🙄",
        "Oh great, {version} is out and {feature} is slower. Just what I needed.",
    ),
    "troll": (
        "{project} is garbage and so are the people who maintain it.",
        "Nobody asked for {feature}, you clearly have no idea what you're doing.",
        "LOL imagine shipping {version} with {feature} this broken. Pathetic.",
        "STOP BREAKING EVERYTHING. IS IT REALLY THAT HARD???",
        "Shut up and fix your stupid bugs instead of tweeting.",
    ),
    "regular": (
        "Interesting take on {feature}. Have you looked at how other tools do it?",
        "We use {project} at work, mostly for {feature}. Works fine so far.",
        "Do you plan to write about the {version} internals at some point?",
        "Saw your talk on {feature}, the part about testing was great.",
        "Is the {version} upgrade safe for production or should I wait for a patch?",
    ),
}

#: The user's own answers, by the tone of what they answer.
ANSWERS: dict[str, tuple[str, ...]] = {
    "warm": (
        "Thank you so much, that means a lot!",
        "Thanks! Glad {feature} works for you.",
        "Really appreciate it, thanks for the kind words.",
    ),
    "helpful": (
        "Good question: {feature} is behind a flag for now, see the docs under Settings.",
        "Thanks for the report! Could you open an issue with your config? I'll look at it.",
        "Yes, {feature} works on {version}; the error usually means an old cache. Clear it?",
        "There's a migration guide in the docs, section Upgrading. Shout if it's unclear.",
    ),
    "colleague": (
        "Sounds good, let's do 10:00 tomorrow.",
        "Thanks, I'll review it this afternoon.",
        "Nice work! Merging after CI passes.",
    ),
    "calm": (
        "Sorry about that, {feature} regressed in {version}. A fix is coming this week.",
        "I understand this is frustrating. Can you share the error so we can fix it?",
        "Fair point, the docs for {feature} need work. I've opened an issue for it.",
    ),
}

#: Threads that heat up turn by turn: (them, us, them, us?, them).
HEATED = (
    (
        "{feature} is broken in {version}, please revert it.",
        "Thanks for reporting! Can you share your config so we can reproduce?",
        "I already posted my config twice. Did you even read the issue?",
        "Sorry, I missed it. Looking now.",
        "Unbelievable. This project is a joke and you clearly don't care about users.",
    ),
    (
        "Why does {feature} need a network connection now?",
        "It only checks for updates; you can turn that off in the settings.",
        "That's a terrible default and you know it.",
        None,
        "Typical. Ignore the problem and hope people go away. Thanks a lot.",
    ),
)

#: What the author of a GitHub issue says after the user's answer (some thank, some need more).
FOLLOW_UPS = (
    "Thanks, that did it! Closing this.",
    "Tried that on {version} and {feature} still fails the same way. Any other idea?",
    "Here's my config, nothing unusual, just {feature} turned on. Does it help?",
    "Confirmed fixed on main, thank you for the quick turnaround!",
    "That works, but shouldn't {feature} do this by default?",
)

PR_TITLES = (
    "Speed up {feature}",
    "Fix crash in {feature} on {version}",
    "Docs: explain {feature}",
    "Add tests for {feature}",
    "Refactor {feature} internals",
)
SUBREDDITS = ("commandline", "opensource", "programming", "selfhosted")


def fill(template: str, feature: str, version: str) -> str:
    return template.format(project=PROJECT, feature=feature, version=version)
