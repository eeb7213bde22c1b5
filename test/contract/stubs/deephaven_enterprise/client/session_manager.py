"""deephaven_enterprise.client.session_manager.SessionManager and its controller_client.
Docs: https://docs.deephaven.io/pycoreplus/latest/client/code/deephaven_enterprise.client.session_manager.html and
https://docs.deephaven.io/pycoreplus/latest/client/code/deephaven_enterprise.client.controller.html (stop_and_wait).
"""
from pqo_contract import StrictModule, documented

__getattr__ = StrictModule("deephaven_enterprise.client.session_manager")


class ControllerClient:
    _stub_self = True

    @documented("ControllerClient.stop_and_wait")
    def stop_and_wait(self, serial, timeout_seconds=120):
        return True


class SessionManager:
    def __init__(self, url=None, json=None):
        self.controller_client = ControllerClient()
