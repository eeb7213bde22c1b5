"""deephaven.execution_context.  Docs: https://deephaven.io/core/pydoc/code/deephaven.execution_context.html
get_exec_ctx() returns the calling thread's context (only valid inside one); entering it gives another thread the
same context, as `with ctx:` does on the real engine.
"""
from pqo_contract import ExecutionContextScope, StrictModule, documented, require_context

__getattr__ = StrictModule("deephaven.execution_context")


class ExecutionContext(ExecutionContextScope):
    """Docs: https://deephaven.io/core/pydoc/code/deephaven.execution_context.html#deephaven.execution_context.ExecutionContext"""


@documented("deephaven.execution_context.get_exec_ctx")
def get_exec_ctx():
    require_context("deephaven.execution_context.get_exec_ctx")
    return ExecutionContext()
