"""Policies pane commands (handlers in panes/policies.py) and the keys of the policy screens."""

from __future__ import annotations

from cwos_tui.ui.commands.model import Command

_POLICIES = frozenset({"policies"})
_BUCKETS = frozenset({"buckets"})
VIEW = frozenset({"policy-view"})
EDITOR = frozenset({"policy-editor"})
ENSURE = "cwobject:EnsureAccessPolicy"

COMMANDS: tuple[Command, ...] = (
    Command("policies.view", "View policy", "enter", "The whole policy as highlighted JSON (i does the same).",
            contexts=_POLICIES, footer="View", priority=15),
    Command("policies.create", "New policy", "n", "Create an org policy from a template, in the editor.",
            contexts=_POLICIES, mutates=True, permission=ENSURE, footer="New", priority=11, aliases=("newpolicy",)),
    Command("policies.edit", "Edit policy", "e", "Edit the selected policy with live validation; a diff "
            "against the server version is shown before it is applied.", contexts=_POLICIES, mutates=True,
            permission=ENSURE, footer="Edit", priority=12),
    Command("policies.external", "Edit in $EDITOR", "E", "Edit the selected policy in $VISUAL or $EDITOR (the "
            "dashboard is suspended meanwhile), then check it here before applying.", contexts=_POLICIES,
            mutates=True, permission=ENSURE, show=False, footer="$EDITOR"),
    Command("policies.simulate", "Simulate access", "s", "May principal P do action A on resource R? Allow or "
            "deny, the deciding step and every matched statement; commas give a matrix.", contexts=_POLICIES,
            permission="cwobject:ListAccessPolicy", footer="Simulate", priority=14, aliases=("sim", "simulate")),
    Command("policies.delete", "Delete policy", "d", "Delete the selected policy (type its name to confirm).",
            contexts=_POLICIES, mutates=True, permission="cwobject:DeleteAccessPolicy", footer="Delete",
            priority=32),
    # bucket policies: the server decides (AuthCanI verdicts are per open bucket, not per selected row)
    Command("buckets.policy", "Bucket policy", "p", "View the selected bucket's policy (e edits it), or start one "
            "from a template; the same editor and validator as org policies.", contexts=_BUCKETS,
            show=False, footer="Policy", priority=20, aliases=("bp",)),
    Command("buckets.policy_edit", "Edit bucket policy", "ctrl+e", "Edit the selected bucket's policy (or start "
            "one from a template); the diff against the live policy is shown before applying.", contexts=_BUCKETS,
            mutates=True, show=False, footer="Edit policy"),
    Command("buckets.policy_delete", "Delete bucket policy", "P", "Delete the selected bucket's policy (type the "
            "bucket name to confirm).", contexts=_BUCKETS, mutates=True, show=False, footer="Del policy"),
    Command("policy_view.close", "Close", "escape,q,enter", "Close the policy.", contexts=VIEW, footer="Close",
            action="close"),
    Command("policy_view.edit", "Edit", "e", "Edit this policy.", contexts=VIEW, footer="Edit", action="edit"),
    Command("policy_view.down", "Scroll down", "down,j", "Scroll down.", contexts=VIEW, show=False,
            action="scroll(1)"),
    Command("policy_view.up", "Scroll up", "up,k", "Scroll up.", contexts=VIEW, show=False, action="scroll(-1)"),
    Command("policy_editor.apply", "Review and apply", "ctrl+s", "Check the policy, then show the diff against "
            "the server version before applying.", contexts=EDITOR, footer="Review & apply", action="apply"),
    Command("policy_editor.simulate", "What-if simulation", "ctrl+t", "Simulate access with the edited policy in "
            "place of its live version (nothing is applied).", contexts=EDITOR, footer="What-if", action="simulate"),
    Command("policy_editor.cancel", "Cancel", "escape", "Leave the editor; nothing is applied.", contexts=EDITOR,
            footer="Cancel", action="cancel"),
)
