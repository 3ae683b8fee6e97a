"""Registry v2: every command has exactly one handler, and every handler belongs to a command."""

from __future__ import annotations

from cwos_tui.session import pending_connection
from cwos_tui.ui import commands
from cwos_tui.ui.app import CwosApp
from cwos_tui.ui.modals.bucket_editor import BucketEditorScreen
from cwos_tui.ui.modals.bucket_forms import BucketCreateScreen, BucketSettingsScreen
from cwos_tui.ui.modals.confirm import ConfirmScreen
from cwos_tui.ui.modals.detail import DetailScreen
from cwos_tui.ui.modals.expiry_picker import ExpiryPickerScreen
from cwos_tui.ui.modals.form import FormScreen
from cwos_tui.ui.modals.help import HelpScreen
from cwos_tui.ui.modals.policy_editor import PolicyEditorScreen
from cwos_tui.ui.modals.policy_view import PolicyViewScreen
from cwos_tui.ui.modals.preview import PreviewScreen
from cwos_tui.ui.modals.progress import ProgressScreen
from cwos_tui.ui.modals.secret_once import SavedCheckScreen, SecretOnceScreen
from cwos_tui.ui.modals.transfer_conflict import ConflictScreen
from cwos_tui.ui.modals.uploads import UploadsScreen
from cwos_tui.ui.modals.versions import VersionsScreen
from cwos_tui.ui.wizard.screen import WizardScreen

#: the screen classes of each screen context; their bindings come from the registry
SCREENS = {
    "dialog": (FormScreen, SavedCheckScreen, SecretOnceScreen, ExpiryPickerScreen),
    "confirm": (ConfirmScreen,),
    "help": (HelpScreen,),
    "detail": (DetailScreen,),
    "wizard": (WizardScreen,),
    "policy-view": (PolicyViewScreen,),
    "policy-editor": (PolicyEditorScreen,),
    "preview": (PreviewScreen,),
    "versions": (VersionsScreen,),
    "uploads": (UploadsScreen,),
    "bucket-editor": (BucketEditorScreen,),
    "bucket-form": (BucketCreateScreen, BucketSettingsScreen),
    "conflict": (ConflictScreen,),
    "progress": (ProgressScreen,),
}


async def test_every_app_command_has_exactly_one_registered_handler():
    app = CwosApp(pending_connection("registry", "not connected"))
    async with app.run_test(size=(80, 24)):
        registered = app.handlers.ids()
    assert registered == {c.id for c in commands.APP_COMMANDS}


def test_every_screen_command_is_an_action_of_each_screen_in_its_context():
    screen_commands = [c for c in commands.COMMANDS if c.on_screen]
    assert {context for c in screen_commands for context in c.contexts} == set(SCREENS)
    for command in screen_commands:
        action = command.action.split("(")[0]
        for context in command.contexts:
            for screen in SCREENS[context]:
                assert callable(getattr(screen, f"action_{action}", None)), f"{screen.__name__} lacks {action}"


def test_screen_keys_come_from_the_registry_and_nowhere_else():
    for context, screens in SCREENS.items():
        expected = {c.id for c in commands.COMMANDS if c.on_screen and context in c.contexts}
        for screen in screens:
            bound = {b.id for b in screen.BINDINGS if not isinstance(b, tuple)}
            assert bound == expected, screen.__name__
