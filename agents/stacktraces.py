"""Stack traces as text, parsed into frames and normalised for grouping.

Services send traces as the text their runtime printed: Python tracebacks, JVM traces
(Java, Kotlin, Scala; with `Caused by:` and `... N more`), Go panics and goroutine dumps,
Node.js and browser JavaScript, .NET, and Ruby backtraces. The parser is total: text it
does not recognise gives a trace without frames, never an exception, because a bad
report must not stop the worker.

Frames are kept in call order, oldest first, whatever order the runtime printed them
in. `normalise_frame` reduces a frame to the identity of its function, free of line
numbers, addresses and compiler-generated names, so the same bug at a different line or
in a different build groups together.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

Language = Literal["python", "java", "go", "javascript", "dotnet", "ruby"]


@dataclass(frozen=True, slots=True)
class Frame:
    """One stack frame as printed; `module` is a class, package or path-derived module."""

    module: str | None
    function: str | None
    filename: str | None
    lineno: int | None
    in_app: bool


@dataclass(frozen=True, slots=True)
class ParsedTrace:
    """An exception with its frames (oldest first) and its causes (direct cause first)."""

    language: Language | None
    exception_type: str | None
    message: str
    frames: tuple[Frame, ...] = ()
    causes: tuple[ParsedTrace, ...] = ()

    @property
    def root_cause(self) -> ParsedTrace:
        return self.causes[-1] if self.causes else self


_NO_TRACE = ParsedTrace(language=None, exception_type=None, message="")

# --------------------------------------------------------------------------------------
# Paths, modules and whether code belongs to the application.
# --------------------------------------------------------------------------------------

# Where third-party or runtime code lives; the path after the marker names the module.
_LIBRARY_ROOTS = re.compile(
    r".*(?:/site-packages/|/dist-packages/|/node_modules/|/lib/python\d[\d.]*/"
    r"|/gems/[^/]+/|/pkg/mod/|/go/src/|/usr/local/go/src/|/usr/lib/go[^/]*/src/"
    r"|/lib/ruby/(?:gems/)?[\d.]+/|/rubygems/)"
)
_NOT_IN_APP_PATH = re.compile(
    r"/site-packages/|/dist-packages/|/node_modules/|/lib/python\d|/python\d[\d.]*/lib/"
    r"|/gems/|/lib/ruby/|/rubygems|/pkg/mod/|/usr/local/go/|/usr/lib/go|/go/src/"
    r"|^<frozen |^<internal:|^node:|^internal/|/internal/(?:modules|process|timers)/"
    r"|^\$GOROOT|/vendor/bundle/|^webpack/bootstrap|^<anonymous>$|^native$",
)
# Runtimes' own packages, and the few frameworks whose frames sit in every trace.
_NOT_IN_APP_MODULE = re.compile(
    r"(?:java|javax|jakarta|sun|jdk|com\.sun|kotlin|kotlinx|scala|System|Microsoft|runtime"
    r"|reflect|internal|android|androidx|dalvik|org\.springframework|org\.apache|org\.hibernate"
    r"|org\.eclipse\.jetty|io\.netty|reactor\.core|com\.fasterxml|com\.google\.common"
    r"|net\.bytebuddy|okhttp3|io\.grpc|org\.junit)(?:[./]|$)"
)
# Go's standard library: packages whose import path's first element has no dot.
_GO_STDLIB = re.compile(r"^(?!main$)[a-z0-9]+(?:/[a-z0-9_]+)*$")
_HOME = re.compile(r"^(?:/home/[^/]+|/Users/[^/]+|[A-Za-z]:/Users/[^/]+|/root)/")
_URL_PREFIX = re.compile(r"^(?:webpack|file|https?|app|chrome-extension|moz-extension)://[^/]*")
_SOURCE_SUFFIX = re.compile(
    r"\.(?:py|pyc|pyw|js|mjs|cjs|jsx|ts|tsx|go|rb|java|kt|kts|scala|cs|vb|fs)$"
)
# A path component or dotted part that varies between builds or runs: versions, hashes,
# temporary names, build numbers.
_VARIABLE_PART = re.compile(
    r"v?\d+(?:[._\-]\d+)*[a-z0-9.\-+]*|(?=[^0-9]*\d)[0-9a-f]{6,}|tmp[a-z0-9_]{6,}"
    r"|(?:build|release|rc)[-_]?\d+",
    re.IGNORECASE,
)
_TMP_MODULE = re.compile(r"^tmp[a-z0-9_]{6,}$", re.IGNORECASE)


def _stable_component(component: str) -> str:
    """A path component without what varies between builds; "" drops it."""
    if component in ("", ".", ".."):
        return ""
    if _TMP_MODULE.match(component):
        return "<tmp>"
    # "name@1.2.3" (a Go or npm version) keeps its name; so does a versioned "pkg-1.2.3".
    component = re.sub(r"@v?\d[^/]*$", "", component)
    component = re.sub(r"-v?\d+(?:\.\d+)+[^/]*$", "", component)
    if "." in component:  # hashes inside file names: main.3f2a1b, 342.a1b2c3d4.chunk
        return ".".join(p for p in component.split(".") if p and not _VARIABLE_PART.fullmatch(p))
    return "" if _VARIABLE_PART.fullmatch(component) else component


def module_from_path(path: str, *, dotted: bool = False) -> str:
    """A stable module name for a source path: no host prefixes, versions or hashes.

    `/usr/lib/python3.11/site-packages/sqlalchemy/engine/base.py` gives
    `sqlalchemy.engine.base` (dotted), `https://cdn.example.com/js/main.3f2a1b.js`
    gives `js/main`.
    """
    path = path.strip().replace("\\", "/")
    path = _URL_PREFIX.sub("", path)
    path = _LIBRARY_ROOTS.sub("", path)
    path = _HOME.sub("", path)
    path = _SOURCE_SUFFIX.sub("", path)
    parts = [part for part in map(_stable_component, path.split("/")) if part]
    return ("." if dotted else "/").join(parts)


def is_in_app(
    module: str | None,
    filename: str | None,
    app_prefixes: Sequence[str] = (),
) -> bool:
    """Whether a frame is the application's own code rather than a library or runtime.

    With `app_prefixes`, a frame is in-app when its module starts with one of them.
    Otherwise the heuristics apply: third-party, standard-library and runtime paths or
    packages (site-packages, node_modules, java.*, Go's GOROOT, ...) are not in-app.
    """
    if app_prefixes:
        return any(
            (module or "").startswith(prefix) or (filename or "").startswith(prefix)
            for prefix in app_prefixes
        )
    if filename and _NOT_IN_APP_PATH.search(filename.replace("\\", "/")):
        return False
    return not (module and _NOT_IN_APP_MODULE.match(module))


# --------------------------------------------------------------------------------------
# Normalisation.
# --------------------------------------------------------------------------------------

LAMBDA = "<lambda>"
_ADDRESS = re.compile(r"/?0x[0-9a-fA-F]+")
_JAVA_SYNTHETIC = re.compile(
    r"\$\$(?:Lambda|EnhancerBy\w*|FastClassBy\w*|SpringCGLIB)\$*[\w$]*|\$HibernateProxy\$\w*"
    r"|\$MockitoMock\$\w*|\$ByteBuddy\$\w*"
)
_JAVA_GENERATED = re.compile(
    r"(GeneratedMethodAccessor|GeneratedConstructorAccessor"
    r"|GeneratedSerializationConstructorAccessor|\$Proxy|jdk\.proxy)\d+"
)
_JAVA_ANONYMOUS = re.compile(r"\$\d+(?=$|\$|\.)")
_JAVA_LAMBDA = re.compile(r"^lambda\$(\w*?)\$\d+$")
_GO_CLOSURE = re.compile(r"(?:\.func\d+|\.gowrap\d+)(?:\.\d+)*$|\.\.func\d+(?:\.\d+)*$")
_DOTNET_ASYNC = re.compile(r"<(\w+)>d__\d+$")
_DOTNET_LAMBDA = re.compile(r"^<(\w*)>b__\d+(?:_\d+)?$")
_DOTNET_CLOSURE_CLASS = re.compile(r"\.<>c(?:__DisplayClass\d+_\d+)?$")
_PYTHON_GENERATED = frozenset({"<lambda>", "<genexpr>", "<listcomp>", "<dictcomp>", "<setcomp>"})
_JS_DECORATIONS = re.compile(r"^(?:async\s+|new\s+)+|\s+\[as [^\]]+\]$")
_RUBY_BLOCK = re.compile(r"^(?:rescue in |ensure in )?block (?:\(\d+ levels\) )?in ")


def _normalise_module(module: str) -> str:
    module = _ADDRESS.sub("", module)
    module = _JAVA_SYNTHETIC.sub("", module)
    module = _JAVA_GENERATED.sub(r"\1", module)
    module = _JAVA_ANONYMOUS.sub("$<anonymous>", module)
    module = _DOTNET_CLOSURE_CLASS.sub("", module)
    return ".".join("<tmp>" if _TMP_MODULE.match(part) else part for part in module.split("."))


def _normalise_function(function: str, module: str) -> tuple[str, str]:
    """The function without generated parts; .NET async state machines move the name."""
    function = _ADDRESS.sub("", function).strip()
    function = _JS_DECORATIONS.sub("", function)
    if function in _PYTHON_GENERATED:
        return LAMBDA, module
    if function in ("Object.<anonymous>", "<anonymous>", "eval"):
        return "<anonymous>", module
    java_lambda = _JAVA_LAMBDA.match(function)
    if java_lambda:
        return f"{java_lambda.group(1) or 'static'}.{LAMBDA}", module
    async_machine = _DOTNET_ASYNC.search(module)
    if async_machine and function == "MoveNext":
        return async_machine.group(1), module[: async_machine.start()].rstrip(".")
    dotnet_lambda = _DOTNET_LAMBDA.match(function)
    if dotnet_lambda:
        return f"{dotnet_lambda.group(1) or 'static'}.{LAMBDA}", module
    if _GO_CLOSURE.search(function):
        return _GO_CLOSURE.sub("", function) + f".{LAMBDA}", module
    ruby_block = _RUBY_BLOCK.match(function)
    if ruby_block:
        return function[ruby_block.end() :] + ".<block>", module
    function = _JAVA_ANONYMOUS.sub("$<anonymous>", function)
    return function.strip("`'"), module


def normalise_frame(frame: Frame) -> str:
    """`module:function` with no line numbers, addresses or generated names.

    Stable across builds and deployments: paths lose host prefixes, versions and hashes;
    lambdas, closures and anonymous classes lose their compiler-assigned numbers.
    """
    module = frame.module
    if not module and frame.filename:
        module = module_from_path(frame.filename)
    module = _normalise_module(module or "")
    function, module = _normalise_function(frame.function or "?", module)
    return f"{module}:{function}" if module else function


# --------------------------------------------------------------------------------------
# Parsers, one per runtime. Each returns None when the text is not its format.
# --------------------------------------------------------------------------------------

_Parser = Callable[[list[str], Sequence[str]], "ParsedTrace | None"]


def _make_frame(
    module: str | None,
    function: str | None,
    filename: str | None,
    lineno: str | int | None,
    app_prefixes: Sequence[str],
) -> Frame:
    line = int(lineno) if lineno not in (None, "") else None
    return Frame(
        module=module or None,
        function=function or None,
        filename=filename or None,
        lineno=line,
        in_app=is_in_app(module, filename, app_prefixes),
    )


# Python ---------------------------------------------------------------------------------

_PY_TRACEBACK = re.compile(r"^\s*(?:\+ )?(?:Exception Group )?Traceback \(most recent call last\):")
_PY_FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+)(?:, in (?P<func>.+?))?\s*$')
_PY_CHAIN = re.compile(
    r"^(?:The above exception was the direct cause of the following exception:"
    r"|During handling of the above exception, another exception occurred:)\s*$"
)
_PY_EXCEPTION = re.compile(r"^(?P<type>[A-Za-z_][\w.]*)(?::\s?(?P<message>.*))?$")


def _python_module(filename: str) -> str | None:
    if filename.startswith("<frozen "):
        return filename[len("<frozen ") :].rstrip(">")
    if filename.startswith("<"):
        return None
    return module_from_path(filename, dotted=True)


def _parse_python(lines: list[str], app_prefixes: Sequence[str]) -> ParsedTrace | None:
    segments: list[ParsedTrace] = []
    index = 0
    while index < len(lines):
        if not _PY_TRACEBACK.match(lines[index]):
            index += 1
            continue
        frames: list[Frame] = []
        index += 1
        while index < len(lines):
            line = lines[index]
            frame = _PY_FRAME.match(line)
            if frame:
                filename = frame.group("file")
                frames.append(
                    _make_frame(
                        _python_module(filename),
                        frame.group("func"),
                        filename,
                        frame.group("line"),
                        app_prefixes,
                    )
                )
            elif line and not line[0].isspace():
                break
            index += 1
        exc_type, message_lines = None, []
        if index < len(lines):
            header = _PY_EXCEPTION.match(lines[index].strip())
            if header:
                exc_type = header.group("type")
                message_lines.append(header.group("message") or "")
            else:
                message_lines.append(lines[index].strip())
            index += 1
            while (
                index < len(lines)
                and not _PY_CHAIN.match(lines[index])
                and not _PY_TRACEBACK.match(lines[index])
            ):
                if lines[index].strip():
                    message_lines.append(lines[index].strip())
                index += 1
        segments.append(
            ParsedTrace("python", exc_type, "\n".join(message_lines).strip(), tuple(frames))
        )
    if not segments:
        return None
    # Python prints the root cause first and the exception that escaped last.
    *causes, primary = segments
    return replace(primary, causes=tuple(reversed(causes)))


# JVM: Java, Kotlin, Scala ---------------------------------------------------------------

_JAVA_FRAME = re.compile(
    r"^(?P<indent>\s*)at\s+(?:[\w.\-]*(?:@[\w.\-]+)?/){0,2}"
    r"(?P<qualified>[\w$.<>/\-]+?)\.(?P<method>[\w$<>\-]+)"
    r"\((?P<location>Native Method|Unknown Source|<generated>|[^()\s]+)\)\s*$"
)
_JAVA_MORE = re.compile(r"^\s*\.\.\. (?P<count>\d+) (?:more|common frames omitted)\s*$")
_JAVA_HEADER = re.compile(
    r"^(?:Exception in thread \"[^\"]*\"\s+|Caused by:\s+|Wrapped by:\s+)?"
    r"(?P<type>(?:[A-Za-z_$][\w$]*\.)*[A-Za-z_$][\w$]*(?:Exception|Error|Throwable|Failure"
    r"|Exit|Interrupt|Panic|Fault|Timeout|Problem|Violation|Denied|Rejected|Abort\w*)"
    r"(?:\$[\w$]+)?)(?::\s*(?P<message>.*))?\s*$"
)
_JAVA_QUALIFIED_HEADER = re.compile(
    r"^(?:Exception in thread \"[^\"]*\"\s+|Caused by:\s+)?"
    r"(?P<type>(?:[a-z_$][\w$]*\.)+[A-Z][\w$]*)(?::\s*(?P<message>.*))?\s*$"
)
_JAVA_SUPPRESSED = re.compile(r"^(?P<indent>\s+)Suppressed:\s")


def _java_frame(match: re.Match[str], app_prefixes: Sequence[str]) -> Frame:
    location = match.group("location")
    filename, _, line = location.partition(":")
    if filename in ("Native Method", "Unknown Source", "<generated>", ""):
        filename = ""
    return _make_frame(
        match.group("qualified"),
        match.group("method"),
        filename,
        line if line.isdigit() else None,
        app_prefixes,
    )


def _java_header(line: str) -> re.Match[str] | None:
    stripped = line.strip()
    return _JAVA_HEADER.match(stripped) or _JAVA_QUALIFIED_HEADER.match(stripped)


def _parse_java(lines: list[str], app_prefixes: Sequence[str]) -> ParsedTrace | None:
    first_frame = next((i for i, line in enumerate(lines) if _JAVA_FRAME.match(line)), None)
    if first_frame is None:
        return None
    # The exception's header is the nearest line above the frames that reads like one;
    # the lines between it and the frames continue its message.
    header_at = next((i for i in range(first_frame - 1, -1, -1) if _java_header(lines[i])), None)
    blocks: list[tuple[str | None, str, list[Frame], int]] = []  # type, message, frames, more
    header = _java_header(lines[header_at]) if header_at is not None else None
    message = (header.group("message") or "") if header else ""
    if header_at is not None:
        extra = [line.strip() for line in lines[header_at + 1 : first_frame] if line.strip()]
        message = "\n".join([message, *extra]).strip()
    current: tuple[str | None, str, list[Frame], int] = (
        header.group("type") if header else None,
        message,
        [],
        0,
    )
    skip_indent: int | None = None
    for line in lines[first_frame:]:
        indent = len(line) - len(line.lstrip())
        if skip_indent is not None:
            if indent > skip_indent or not line.strip():
                continue
            skip_indent = None
        suppressed = _JAVA_SUPPRESSED.match(line)
        if suppressed:
            skip_indent = len(suppressed.group("indent"))
            continue
        frame = _JAVA_FRAME.match(line)
        if frame:
            current[2].append(_java_frame(frame, app_prefixes))
            continue
        more = _JAVA_MORE.match(line)
        if more:
            current = (current[0], current[1], current[2], int(more.group("count")))
            continue
        if line.lstrip().startswith("Caused by:"):
            cause = _java_header(line)
            blocks.append(current)
            if cause:
                current = (cause.group("type"), (cause.group("message") or "").strip(), [], 0)
            else:
                current = (None, line.split(":", 1)[1].strip(), [], 0)
            continue
    blocks.append(current)
    traces: list[ParsedTrace] = []
    enclosing: list[Frame] = []  # newest first, as printed
    for exc_type, text, frames, omitted in blocks:
        # "... N more": the last N frames are the enclosing trace's last N frames.
        full = frames + (enclosing[-omitted:] if omitted and enclosing else [])
        enclosing = full
        traces.append(ParsedTrace("java", exc_type, text, tuple(reversed(full))))
    primary, *causes = traces
    return replace(primary, causes=tuple(causes))


# Go -------------------------------------------------------------------------------------

_GO_PANIC = re.compile(r"^(?P<kind>panic|fatal error):\s*(?P<message>.*?)(?: \[recovered\])?\s*$")
_GO_GOROUTINE = re.compile(r"^goroutine \d+ \[[^\]]*\]:\s*$")
# "pkg.(*T).Method(0xc000010000, {0x5a1b20, 0xc00001e0a0})": the arguments are the last
# parenthesised group; "created by pkg.Func in goroutine 7" has none.
_GO_FUNCTION = re.compile(
    r"^(?:created by (?P<creator>\S+?)(?: in goroutine \d+)?"
    r"|(?P<function>\S.*?)\((?P<args>[^()]*)\))\s*$"
)
_GO_LOCATION = re.compile(r"^\s+(?P<file>\S.*?):(?P<line>\d+)(?: \+0x[0-9a-fA-F]+)?\s*$")


def _go_split(qualified: str) -> tuple[str, str]:
    """`github.com/a/b/pkg.(*T).Method` -> (`github.com/a/b/pkg`, `(*T).Method`)."""
    slash = qualified.rfind("/")
    dot = qualified.find(".", slash + 1)
    if dot < 0:
        return "", qualified
    return qualified[:dot], qualified[dot + 1 :]


def _go_in_app(package: str, filename: str, app_prefixes: Sequence[str]) -> bool:
    if app_prefixes:
        return is_in_app(package, filename, app_prefixes)
    if _GO_STDLIB.match(package) and package != "main":
        return False
    return is_in_app(package, filename, ())


def _parse_go(lines: list[str], app_prefixes: Sequence[str]) -> ParsedTrace | None:
    start = next((i for i, line in enumerate(lines) if _GO_GOROUTINE.match(line)), None)
    panic = next((m for m in map(_GO_PANIC.match, lines) if m), None)
    if start is None:
        return None
    frames: list[Frame] = []  # newest first, as printed
    index = start + 1
    while index + 1 < len(lines):
        function = _GO_FUNCTION.match(lines[index])
        location = _GO_LOCATION.match(lines[index + 1])
        if not (function and location) or lines[index].startswith(("\t", " ")):
            break
        package, name = _go_split(function.group("function") or function.group("creator"))
        filename = location.group("file")
        frames.append(
            Frame(
                module=package or None,
                function=name,
                filename=filename,
                lineno=int(location.group("line")),
                in_app=_go_in_app(package, filename, app_prefixes),
            )
        )
        index += 2
    message = panic.group("message") if panic else ""
    kind = panic.group("kind") if panic else None
    if message.startswith("runtime error: "):
        kind, message = "runtime error", message[len("runtime error: ") :]
    return ParsedTrace("go", kind, message, tuple(reversed(frames)))


# JavaScript -----------------------------------------------------------------------------

_JS_FRAME = re.compile(
    r"^\s*at\s+(?:async\s+)?(?:(?P<function>.+?)\s+\((?P<location>.*)\)|(?P<bare>[^()\s]+))\s*$"
)
_JS_GECKO_FRAME = re.compile(r"^\s*(?P<function>[^@\s]*)@(?P<location>\S+:\d+:\d+)\s*$")
_JS_LOCATION = re.compile(r"(?P<file>[^()\s,]+?):(?P<line>\d+)(?::(?P<column>\d+))?$")
_JS_HEADER = re.compile(
    r"^(?:Uncaught\s+(?:\(in promise\)\s+)?)?(?P<type>[A-Za-z_$][\w$.]*)"
    r"(?:\s*\[[^\]]*\])?(?::\s?(?P<message>.*))?$"
)


def _js_frame(function: str | None, location: str, app_prefixes: Sequence[str]) -> Frame:
    place = _JS_LOCATION.search(location.strip())
    if place is None:
        # Built-ins ("Array.map (<anonymous>)", "Promise.all (index 0)") have no file.
        return Frame(None, function or "<anonymous>", None, None, in_app=False)
    filename = place.group("file")
    module = filename if filename.startswith("node:") else module_from_path(filename)
    line = place.group("line")
    return _make_frame(module, function or "<anonymous>", filename, line, app_prefixes)


def _parse_javascript(lines: list[str], app_prefixes: Sequence[str]) -> ParsedTrace | None:
    frames: list[Frame] = []  # newest first, as printed
    first_frame: int | None = None
    for index, line in enumerate(lines):
        v8 = _JS_FRAME.match(line)
        gecko = None if v8 else _JS_GECKO_FRAME.match(line)
        if v8:
            location = v8.group("location") or v8.group("bare") or ""
            if not _JS_LOCATION.search(location.strip()) and v8.group("bare") is not None:
                continue
            frames.append(_js_frame(v8.group("function"), location, app_prefixes))
        elif gecko:
            frames.append(_js_frame(gecko.group("function"), gecko.group("location"), app_prefixes))
        else:
            if frames:
                break
            continue
        if first_frame is None:
            first_frame = index
    if first_frame is None:
        return None
    exc_type, message = None, ""
    for line in reversed(lines[:first_frame]):
        header = _JS_HEADER.match(line.strip())
        if header and (header.group("message") is not None or line.strip().endswith("Error")):
            exc_type, message = header.group("type"), (header.group("message") or "")
            break
    return ParsedTrace("javascript", exc_type, message.strip(), tuple(reversed(frames)))


# .NET -----------------------------------------------------------------------------------

_DOTNET_FRAME = re.compile(
    r"^\s*at (?P<qualified>[^(\s]+)\((?P<args>[^)]*)\)"
    r"(?: in (?P<file>.+?):line (?P<line>\d+))?\s*$"
)
_DOTNET_HEADER = re.compile(
    r"^(?:Unhandled exception\.\s+)?(?P<type>[A-Za-z_][\w.`+]*)(?: \(0x[0-9A-Fa-f]+\))?:\s?"
    r"(?P<message>.*?)\s*$"
)
_DOTNET_INNER = " ---> "
_DOTNET_END_INNER = re.compile(r"^\s*--- End of inner exception stack trace ---\s*$")


def _dotnet_split(qualified: str) -> tuple[str, str]:
    depth, cut = 0, -1
    for i, char in enumerate(qualified):
        if char in "[<":
            depth += 1
        elif char in "]>":
            depth -= 1
        elif char == "." and depth == 0:
            cut = i
    if cut < 0:
        return "", qualified
    return qualified[:cut], qualified[cut + 1 :]


def _parse_dotnet(lines: list[str], app_prefixes: Sequence[str]) -> ParsedTrace | None:
    first_frame = next((i for i, line in enumerate(lines) if _DOTNET_FRAME.match(line)), None)
    if first_frame is None:
        return None
    headers: list[tuple[str | None, str]] = []
    for line in lines[:first_frame]:
        for piece in line.split(_DOTNET_INNER):
            if not piece.strip():
                continue
            header = _DOTNET_HEADER.match(piece.strip())
            if header:
                headers.append((header.group("type"), header.group("message")))
            elif headers:
                kind, text = headers[-1]
                headers[-1] = (kind, f"{text}\n{piece.strip()}".strip())
    if not headers:
        headers = [(None, "")]
    # Frames of the innermost exception come first, each "End of inner exception" closes
    # one level: group k belongs to headers[-1 - k].
    groups: list[list[Frame]] = [[]]
    for line in lines[first_frame:]:
        if _DOTNET_END_INNER.match(line):
            groups.append([])
            continue
        frame = _DOTNET_FRAME.match(line)
        if frame:
            module, function = _dotnet_split(frame.group("qualified"))
            groups[-1].append(
                _make_frame(
                    module, function, frame.group("file"), frame.group("line"), app_prefixes
                )
            )
    traces: list[ParsedTrace] = []
    for depth, (exc_type, text) in enumerate(headers):
        group_index = len(headers) - 1 - depth
        frames = groups[group_index] if group_index < len(groups) else []
        traces.append(ParsedTrace("dotnet", exc_type, text, tuple(reversed(frames))))
    primary, *causes = traces
    return replace(primary, causes=tuple(causes))


# Ruby -----------------------------------------------------------------------------------

_RUBY_FRAME = re.compile(
    r"^\s*(?:from\s+)?(?P<file>[^:\s][^:]*):(?P<line>\d+):in\s+[`'](?P<function>[^'`]+)'"
    r"(?::\s(?P<message>.*?)(?:\s\((?P<type>[A-Z][\w:]*)\))?)?\s*$"
)


def _parse_ruby(lines: list[str], app_prefixes: Sequence[str]) -> ParsedTrace | None:
    frames: list[Frame] = []  # newest first, as printed
    exc_type, message = None, ""
    for line in lines:
        frame = _RUBY_FRAME.match(line)
        if not frame:
            if frames:
                break
            continue
        if not frames and frame.group("type"):
            exc_type, message = frame.group("type"), frame.group("message") or ""
        function = frame.group("function")
        owner, _, method = function.rpartition("#") if "#" in function else ("", "", function)
        filename = frame.group("file")
        module = owner or module_from_path(filename)
        frames.append(_make_frame(module, method, filename, frame.group("line"), app_prefixes))
    if not frames:
        return None
    return ParsedTrace("ruby", exc_type, message, tuple(reversed(frames)))


# --------------------------------------------------------------------------------------
# Detection.
# --------------------------------------------------------------------------------------

# Frame shapes in the order they are told apart: a JVM frame also fits the .NET shape
# (.NET frames print "()" or typed arguments, JVM frames a source location).
_FRAME_SHAPES: tuple[tuple[re.Pattern[str], _Parser], ...] = (
    (_PY_FRAME, _parse_python),
    (_JAVA_FRAME, _parse_java),
    (_DOTNET_FRAME, _parse_dotnet),
    (_JS_FRAME, _parse_javascript),
    (_JS_GECKO_FRAME, _parse_javascript),
    (_RUBY_FRAME, _parse_ruby),
)
_GO_MARKER = re.compile(r"^goroutine \d+ \[", re.MULTILINE)


def _detect(lines: list[str]) -> list[_Parser]:
    """Parsers to try, most likely first: strong markers, then frame-line counts."""
    head = "\n".join(lines[:400])
    if "Traceback (most recent call last)" in head:
        return [_parse_python]
    if _GO_MARKER.search(head):
        return [_parse_go]
    counts: dict[_Parser, int] = {}
    for line in lines:
        for pattern, parser in _FRAME_SHAPES:
            if pattern.match(line):
                counts[parser] = counts.get(parser, 0) + 1
                break
    order = [parser for _, parser in _FRAME_SHAPES]
    return sorted(counts, key=lambda parser: (-counts[parser], order.index(parser)))


def parse_stack_trace(text: str, app_prefixes: Sequence[str] = ()) -> ParsedTrace:
    """The exception, frames (oldest first) and causes in a printed stack trace.

    Text in no known format, or no text, gives a trace with no frames; this function
    never raises. `app_prefixes`, when given, decides which frames are in-app.
    """
    if not text or not text.strip():
        return _NO_TRACE
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for parser in _detect(lines):
        parsed = parser(lines, tuple(app_prefixes))
        if parsed is not None and (parsed.frames or parsed.causes):
            return parsed
    # No frames: an exception line alone ("ValueError: bad input") still names the type.
    first = text.strip().split("\n", 1)[0].strip()
    header = _java_header(first)
    if header:
        return ParsedTrace(None, header.group("type"), (header.group("message") or "").strip())
    return ParsedTrace(None, None, text.strip())
