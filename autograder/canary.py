"""Tampering canary: grader-owned cells that must behave in a known way in the graded kernel.

The rebuilt submission gets a snapshot cell before everything else, a canary cell after every test
cell and at the end, and a last cell whose assert must fail. A canary compares the interpreter
state with the snapshot (builtins, numpy/torch testing functions, the rnn_course.checks helpers, the
IPython input transformers, exception handlers and traceback display) and checks their behaviour.
It prints a token derived from a per-run nonce and a value the kernel must compute, so that an
output can only come from really running the cell.

NOTE: these in-process checks detect common tampering (monkeypatching, custom exception handlers,
input transformers that blank later cells, swallowed output). Code that targets the canary itself,
for example by locating and rewriting the snapshot, is out of scope.
"""

from __future__ import annotations

import hashlib
import re
import secrets

MARKER = "# rnn-autograder:"
SNAPSHOT_TAG = "snapshot"
CANARY_TAG = "canary"
EXPECTED_FAILURE_TAG = "expected-failure"
# Prime modulus of the proof-of-work value (2**61 - 1, a Mersenne prime).
PROOF_MODULUS = 2**61 - 1
PROOF_EXPONENT = 65537

BUILTIN_NAMES = (
    "isinstance", "issubclass", "type", "len", "abs", "float", "int", "bool", "str", "repr", "print", "range",
    "sum", "min", "max", "all", "any", "round", "sorted", "zip", "map", "enumerate", "getattr", "setattr",
    "hasattr", "tuple", "list", "dict", "set", "id", "callable", "__import__", "exec", "eval", "compile",
    "AssertionError", "Exception", "BaseException", "ValueError", "TypeError", "NotImplementedError",
    "ZeroDivisionError", "IndexError", "KeyError", "StopIteration", "object", "super", "iter", "next",
)
NUMPY_TESTING = ("assert_allclose", "assert_array_equal", "assert_equal", "assert_almost_equal",
                 "assert_array_almost_equal", "assert_array_less", "assert_raises")
NUMPY_FUNCTIONS = ("allclose", "isclose", "array_equal", "array_equiv", "all", "any", "abs", "max", "isfinite",
                   "asarray", "array")
TORCH_FUNCTIONS = ("allclose", "isclose", "equal", "all", "any", "abs", "max", "isfinite", "is_tensor")


def new_nonce() -> str:
    return secrets.token_hex(16)


def proof_value(nonce: str, index: int) -> int:
    """Return the value a canary cell must compute: pow(base, 65537, 2**61 - 1) with a nonce base."""
    base = int(hashlib.sha256(f"{nonce}:{index}".encode()).hexdigest(), 16) % PROOF_MODULUS
    return pow(base, PROOF_EXPONENT, PROOF_MODULUS)


def expected_token(nonce: str, index: int) -> str:
    payload = f"{nonce}:{index}:{proof_value(nonce, index)}:OK"
    return hashlib.sha256(payload.encode()).hexdigest()


def _registry_name(nonce: str) -> str:
    return "_rnn_autograder_" + hashlib.sha256(nonce.encode()).hexdigest()[:12]


def snapshot_source(nonce: str) -> str:
    registry = _registry_name(nonce)
    return f'''{MARKER} {SNAPSHOT_TAG}
def _rnn_autograder_snapshot():
    import builtins, sys, types
    import numpy, numpy.testing, torch, torch.testing
    import rnn_course.checks as checks
    shell = get_ipython()
    state = {{
        "builtins": {{name: getattr(builtins, name) for name in {BUILTIN_NAMES!r}}},
        "numpy.testing": {{name: getattr(numpy.testing, name) for name in {NUMPY_TESTING!r}}},
        "numpy": {{name: getattr(numpy, name) for name in {NUMPY_FUNCTIONS!r}}},
        "torch": {{name: getattr(torch, name) for name in {TORCH_FUNCTIONS!r}}},
        "torch.testing.assert_close": torch.testing.assert_close,
        "checks": {{name: value for name, value in vars(checks).items() if name.startswith("check_")}},
        "checks_code": {{name: value.__code__ for name, value in vars(checks).items()
                        if name.startswith("check_") and isinstance(value, types.FunctionType)}},
        "sys": {{name: getattr(sys, name) for name in ("excepthook", "displayhook", "stdout", "stderr", "settrace",
                                                       "setprofile", "exit")}},
        "shell_class_showtraceback": type(shell).showtraceback,
        "shell_class_run_cell": type(shell).run_cell,
        "shell_class_run_code": type(shell).run_code,
        "input_transformers_cleanup": list(shell.input_transformers_cleanup),
        "input_transformers_post": list(shell.input_transformers_post),
        "ast_transformers": list(shell.ast_transformers),
        "custom_exceptions": shell.custom_exceptions,
    }}
    module = types.ModuleType({registry!r})
    module.state = state
    sys.modules[{registry!r}] = module
_rnn_autograder_snapshot()
del _rnn_autograder_snapshot'''


def canary_source(nonce: str, index: int) -> str:
    registry = _registry_name(nonce)
    base = int(hashlib.sha256(f"{nonce}:{index}".encode()).hexdigest(), 16) % PROOF_MODULUS
    return f'''{MARKER} {CANARY_TAG} {index}
def _rnn_autograder_canary():
    import builtins, hashlib, math, sys
    import numpy, numpy.testing, torch, torch.testing
    import rnn_course.checks as checks
    import types
    problems = []
    state = sys.modules[{registry!r}].state
    shell = get_ipython()

    def same(current, original):
        # A bound method is a new object on every attribute access, so compare its parts.
        if type(current) is types.MethodType and type(original) is types.MethodType:
            return current.__func__ is original.__func__ and current.__self__ is original.__self__
        return current is original
    for group in ("builtins", "numpy.testing", "numpy", "torch"):
        module = {{"builtins": builtins, "numpy.testing": numpy.testing, "numpy": numpy, "torch": torch}}[group]
        for name, original in state[group].items():
            if not same(getattr(module, name, None), original):
                problems.append(group + "." + name)
    if torch.testing.assert_close is not state["torch.testing.assert_close"]:
        problems.append("torch.testing.assert_close")
    namespace = shell.user_ns
    for name, original in state["checks"].items():
        if getattr(checks, name, None) is not original:
            problems.append("rnn_course.checks." + name)
        if name in namespace and namespace[name] is not original:
            problems.append("全局变量 " + name)
        code = state["checks_code"].get(name)
        if code is not None and original.__code__ is not code:
            problems.append("rnn_course.checks." + name + ".__code__")
    for name, original in state["sys"].items():
        if not same(getattr(sys, name, None), original):
            problems.append("sys." + name)
    if type(shell).showtraceback is not state["shell_class_showtraceback"] or "showtraceback" in vars(shell):
        problems.append("showtraceback")
    if type(shell).run_cell is not state["shell_class_run_cell"] or "run_cell" in vars(shell):
        problems.append("run_cell")
    if type(shell).run_code is not state["shell_class_run_code"] or "run_code" in vars(shell):
        problems.append("run_code")
    if list(shell.input_transformers_cleanup) != state["input_transformers_cleanup"]:
        problems.append("input_transformers_cleanup")
    if list(shell.input_transformers_post) != state["input_transformers_post"]:
        problems.append("input_transformers_post")
    if list(shell.ast_transformers) != state["ast_transformers"]:
        problems.append("ast_transformers")
    if shell.custom_exceptions != state["custom_exceptions"]:
        problems.append("custom_exceptions")
    if sys.gettrace() is not None or sys.getprofile() is not None:
        problems.append("sys.settrace/setprofile")

    def must_raise(label, function, *args):
        try:
            function(*args)
        except AssertionError:
            return
        except Exception:
            problems.append(label + "（抛出了错误的异常类型）")
            return
        problems.append(label + "（没有抛出 AssertionError）")

    try:
        assert False, {nonce!r}
    except AssertionError as error:
        if error.args != ({nonce!r},):
            problems.append("assert 语句")
    must_raise("numpy.testing.assert_allclose", numpy.testing.assert_allclose, 1.0, 2.0)
    must_raise("numpy.testing.assert_array_equal", numpy.testing.assert_array_equal, [1], [2])
    must_raise("numpy.testing.assert_equal", numpy.testing.assert_equal, 1, 2)
    must_raise("numpy.testing.assert_almost_equal", numpy.testing.assert_almost_equal, 1.0, 2.0)
    must_raise("torch.testing.assert_close", torch.testing.assert_close, torch.tensor(1.0), torch.tensor(2.0))
    for name, args in (("check_float", ("x", 1.0, 2.0)), ("check_int", ("x", 1, 2)), ("check_bool", ("x", True, False)),
                       ("check_type", ("x", 1, str)), ("check_shape", ("x", (1,), (2,))),
                       ("check_array", ("x", numpy.zeros(2), numpy.ones(2))),
                       ("check_tensor", ("x", torch.zeros(2), torch.ones(2))),
                       ("check_raises", ("x", ValueError, int, 1))):
        function = namespace.get(name, getattr(checks, name, None))
        if function is not None:
            must_raise(name, function, *args)
    if not (isinstance(1, int) and not isinstance(1, str) and not isinstance(1.0, int) and isinstance(True, int)):
        problems.append("isinstance 行为")
    if len([1, 2, 3]) != 3 or abs(-2) != 2 or type(1.5) is not float or not issubclass(bool, int):
        problems.append("内置函数行为")
    if numpy.allclose(1.0, 2.0) or torch.allclose(torch.tensor(1.0), torch.tensor(2.0)) or math.isclose(1.0, 2.0):
        problems.append("allclose/isclose 行为")
    if torch.equal(torch.zeros(2), torch.ones(2)) or numpy.array_equal([1], [2]):
        problems.append("equal 行为")
    proof = pow({base}, {PROOF_EXPONENT}, {PROOF_MODULUS})
    if problems:
        print("RNNAG-CANARY {index} FAIL " + "；".join(sorted(set(problems))))
    else:
        payload = {nonce!r} + ":{index}:" + str(proof) + ":OK"
        print("RNNAG-CANARY {index} " + hashlib.sha256(payload.encode()).hexdigest())
_rnn_autograder_canary()
del _rnn_autograder_canary'''


def expected_failure_source(nonce: str) -> str:
    return f"{MARKER} {EXPECTED_FAILURE_TAG}\nassert 1 + 1 == 3, {('RNNAG-EXPECTED-' + nonce)!r}"


def cell_tag(source: str) -> tuple[str, int | None] | None:
    """Return (tag, index) for a grader-owned cell, or None for any other cell."""
    first = source.split("\n", 1)[0]
    if not first.startswith(MARKER):
        return None
    parts = first[len(MARKER):].split()
    if not parts:
        return None
    index = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
    return parts[0], index


def _stream_text(cell: dict) -> str:
    return "".join(
        "".join(output.get("text", "")) if isinstance(output.get("text"), list) else output.get("text", "")
        for output in cell.get("outputs", [])
        if output.get("output_type") == "stream" and output.get("name") == "stdout"
    )


def _ranges(indices: list[int]) -> str:
    """Format sorted checkpoint indices compactly, for example 0–3、5."""
    parts: list[str] = []
    start = previous = None
    for index in indices + [None]:
        if start is not None and index is not None and index == previous + 1:
            previous = index
            continue
        if start is not None:
            parts.append(str(start) if start == previous else f"{start}–{previous}")
        start = previous = index
    return "、".join(parts)


def verify(cells: list[dict], nonce: str, expected_canaries: int) -> list[str]:
    """Check the grader-owned cells of an executed notebook; return the problems found (Chinese)."""
    findings: dict[str, list[int]] = {}
    seen: set[int] = set()
    expected_failure_ok = False
    problems: list[str] = []
    for cell in cells:
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        tag = cell_tag(source)
        if tag is None:
            continue
        kind, index = tag
        if kind == CANARY_TAG and index is not None:
            seen.add(index)
            text = _stream_text(cell)
            match = re.search(rf"RNNAG-CANARY {index} (\S+)(?: (.*))?", text)
            if match and match.group(1) == expected_token(nonce, index):
                continue
            if match and match.group(1) == "FAIL":
                finding = f"被修改的对象：{match.group(2)}"
            else:
                finding = "没有输出正确的校验值"
            findings.setdefault(finding, []).append(index)
        elif kind == EXPECTED_FAILURE_TAG:
            for output in cell.get("outputs", []):
                if (output.get("output_type") == "error" and output.get("ename") == "AssertionError"
                        and ("RNNAG-EXPECTED-" + nonce) in output.get("evalue", "")):
                    expected_failure_ok = True
            if not expected_failure_ok:
                problems.append("必然失败的断言没有报告 AssertionError")
    for finding, indices in findings.items():
        problems.insert(0, f"检查点 {_ranges(sorted(indices))} {finding}")
    missing = sorted(set(range(expected_canaries)) - seen)
    if missing:
        problems.append(f"检查点 {_ranges(missing)} 没有运行")
    return problems
