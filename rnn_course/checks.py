"""Assertions for exercise test cells, with Chinese messages that show the expected and actual values.

Each check compares exact types first, so an object whose ``__eq__`` always returns True, or a
subclass of float, ndarray or Tensor with rigged comparisons, fails instead of passing. Values are
then converted to plain Python or NumPy values and compared with a stated tolerance.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

FLOAT_TYPES = (float, np.float64, np.float32)
INT_TYPES = (int, np.int64, np.int32)
_PREVIEW_ITEMS = 6


def _type_name(value: object) -> str:
    kind = type(value)
    return kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


def _preview(value: object) -> str:
    """Return a short text of value for a message: at most a few elements of an array."""
    if isinstance(value, np.ndarray) and type(value) is np.ndarray:
        flat = value.reshape(-1)
        items = np.array2string(flat[:_PREVIEW_ITEMS], precision=6, separator=", ")
        more = f" …（共 {flat.size} 个元素）" if flat.size > _PREVIEW_ITEMS else ""
        return f"{items}{more}"
    text = repr(value) if type(value) in (int, float, bool, str, tuple, type(None)) else f"<{_type_name(value)}>"
    return text if len(text) <= 120 else text[:117] + "…"


def check_type(name: str, value: object, expected: type | tuple[type, ...]) -> None:
    """Assert that type(value) is exactly one of the expected types (subclasses are rejected)."""
    allowed = expected if isinstance(expected, tuple) else (expected,)
    names = " 或 ".join(t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"
                        for t in allowed)
    assert type(value) in allowed, f"{name} 的类型应为 {names}，实际是 {_type_name(value)}。"


def check_int(name: str, actual: object, expected: int) -> None:
    """Assert that actual is an int (not bool) equal to expected."""
    check_type(name, actual, INT_TYPES)
    value = int(actual)  # exact built-in or NumPy integer after check_type, so this cannot be rigged
    assert value == expected, f"{name} 应为 {expected}，实际得到 {value}。"


def check_bool(name: str, actual: object, expected: bool) -> None:
    check_type(name, actual, (bool, np.bool_))
    value = bool(actual)
    assert value is expected, f"{name} 应为 {expected}，实际得到 {value}。"


def check_float(name: str, actual: object, expected: float, rtol: float = 1e-9, atol: float = 1e-12) -> None:
    """Assert that actual is a float (Python or NumPy) within rtol·|expected| + atol of expected."""
    check_type(name, actual, FLOAT_TYPES)
    value = float(actual)
    assert math.isfinite(value) or value == expected, f"{name} 应为有限数 {expected!r}，实际得到 {value!r}。"
    if math.isinf(expected):
        assert value == expected, f"{name} 应为 {expected!r}，实际得到 {value!r}。"
        return
    error = abs(value - expected)
    assert error <= atol + rtol * abs(expected), (
        f"{name} 应约为 {expected!r}（容差 rtol={rtol:g}, atol={atol:g}），实际得到 {value!r}，误差 {error:.3g}。"
    )


def check_shape(name: str, actual_shape: tuple[int, ...], expected_shape: tuple[int, ...]) -> None:
    actual_shape = tuple(int(size) for size in actual_shape)
    expected_shape = tuple(int(size) for size in expected_shape)
    assert actual_shape == expected_shape, f"{name} 的形状应为 {expected_shape}，实际是 {actual_shape}。"


def check_array(name: str, actual: object, expected: np.ndarray, rtol: float = 1e-7, atol: float = 1e-10,
                kind: str = "f") -> None:
    """Assert an exact np.ndarray of dtype kind ("f" float, "i" integer, "b" bool) close to expected."""
    check_type(name, actual, np.ndarray)
    expected = np.asarray(expected)
    check_shape(name, actual.shape, expected.shape)
    kind_names = {"f": "浮点", "i": "整数", "b": "布尔"}
    assert actual.dtype.kind == kind, (
        f"{name} 的 dtype 应为{kind_names.get(kind, kind)}类型，实际是 {actual.dtype}。"
    )
    _check_close_values(name, np.asarray(actual, dtype=np.float64), expected.astype(np.float64), rtol, atol)


def check_tensor(name: str, actual: object, expected, rtol: float = 1e-5, atol: float = 1e-6,
                 dtype=None) -> None:
    """Assert an exact torch.Tensor with the expected shape and dtype, close to expected.

    The values are copied to NumPy before the comparison, so a tensor subclass or a patched
    torch comparison cannot decide the outcome.
    """
    import torch

    check_type(name, actual, torch.Tensor)
    expected_tensor = expected if isinstance(expected, torch.Tensor) else torch.as_tensor(expected)
    check_shape(name, tuple(actual.shape), tuple(expected_tensor.shape))
    expected_dtype = expected_tensor.dtype if dtype is None else dtype
    assert actual.dtype == expected_dtype, f"{name} 的 dtype 应为 {expected_dtype}，实际是 {actual.dtype}。"
    actual_values = actual.detach().to("cpu", torch.float64).numpy().copy()
    expected_values = expected_tensor.detach().to("cpu", torch.float64).numpy().copy()
    _check_close_values(name, actual_values, expected_values, rtol, atol)


def _check_close_values(name: str, actual: np.ndarray, expected: np.ndarray, rtol: float, atol: float) -> None:
    same_nonfinite = (~np.isfinite(expected)) & (actual == expected)
    bad_nonfinite = ~np.isfinite(actual) & ~same_nonfinite
    assert not bad_nonfinite.any(), (
        f"{name} 含有 NaN 或无穷大（位置 {tuple(int(i) for i in np.argwhere(bad_nonfinite)[0])}），"
        f"期望值为 {_preview(expected)}。"
    )
    finite = np.isfinite(expected)
    error = np.where(finite, np.abs(actual - expected), 0.0)
    allowed = atol + rtol * np.abs(np.where(finite, expected, 0.0))
    worst = np.argmax(error - allowed) if error.size else 0
    ok = bool(np.all(error <= allowed)) if error.size else True
    if not ok:
        index = tuple(int(i) for i in np.unravel_index(worst, expected.shape)) if expected.shape else ()
        raise AssertionError(
            f"{name} 与期望值不符（容差 rtol={rtol:g}, atol={atol:g}）：在位置 {index} 期望 "
            f"{expected[index]!r}，实际 {actual[index]!r}。\n期望：{_preview(expected)}\n实际：{_preview(actual)}"
        )


def check_raises(name: str, exception: type[BaseException], function: Callable[..., object], *args,
                 **kwargs) -> None:
    """Assert that function(*args, **kwargs) raises exception (or a subclass of it)."""
    try:
        result = function(*args, **kwargs)
    except exception:
        return
    except NotImplementedError:
        raise  # a blank exercise must fail as "not implemented", not as a wrong exception type
    except Exception as error:  # noqa: BLE001 - the message names the wrong exception type
        raise AssertionError(f"{name} 应抛出 {exception.__name__}，实际抛出 {type(error).__name__}: {error}") from None
    raise AssertionError(f"{name} 应抛出 {exception.__name__}，实际没有抛出异常，返回了 {_preview(result)}。")
