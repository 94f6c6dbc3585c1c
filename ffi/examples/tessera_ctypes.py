"""Tessera from Python through ctypes: compile a policy, decide JSON requests.

Usage: python3 tessera_ctypes.py PATH/TO/libtessera.so
Prints one decision per line; exits 1 if a decision is not what it expects.
"""
import ctypes
import json
import sys


class Source(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("text", ctypes.c_char_p), ("text_len", ctypes.c_size_t)]


class Tessera:
    """A compiled policy set; one instance may serve many threads."""

    def __init__(self, library_path, name, policy_text):
        lib = ctypes.CDLL(library_path)
        lib.tessera_engine_compile.argtypes = [ctypes.POINTER(Source), ctypes.c_size_t,
                                               ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_void_p)]
        lib.tessera_engine_evaluate_json.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int,
                                                     ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_size_t),
                                                     ctypes.POINTER(ctypes.c_void_p)]
        lib.tessera_error_message.argtypes = [ctypes.c_void_p]
        lib.tessera_error_message.restype = ctypes.c_char_p
        for free in ("tessera_error_free", "tessera_string_free", "tessera_engine_free"):
            getattr(lib, free).argtypes = [ctypes.c_void_p]
        self._lib = lib
        text = policy_text.encode()
        source = Source(name.encode(), text, len(text))
        engine, err = ctypes.c_void_p(), ctypes.c_void_p()
        if lib.tessera_engine_compile(ctypes.byref(source), 1, ctypes.byref(engine), ctypes.byref(err)) != 0:
            message = lib.tessera_error_message(err).decode()
            lib.tessera_error_free(err)
            raise ValueError(message)
        self._engine = engine

    def evaluate(self, request):
        """The decision (or request error) for a request dict, as a dict."""
        data = json.dumps(request).encode()
        out, length, err = ctypes.c_void_p(), ctypes.c_size_t(), ctypes.c_void_p()
        self._lib.tessera_engine_evaluate_json(self._engine, data, len(data), 0,
                                               ctypes.byref(out), ctypes.byref(length), ctypes.byref(err))
        self._lib.tessera_error_free(err)
        if not out.value:
            raise RuntimeError("no answer from tessera")
        answer = ctypes.string_at(out, length.value).decode()
        self._lib.tessera_string_free(out)
        return json.loads(answer)

    def close(self):
        self._lib.tessera_engine_free(self._engine)
        self._engine = None


POLICY = """policy "app" {
  allow "read" { principal service:api-* action secrets:GetSecretValue resource prod/app/** }
}"""


def main():
    engine = Tessera(sys.argv[1], "app.policy", POLICY)
    cases = [
        ({"principal": "service:api-web", "action": "secrets:GetSecretValue", "resource": "prod/app/db"}, "allow"),
        ({"principal": "service:batch", "action": "secrets:GetSecretValue", "resource": "prod/app/db"}, "deny"),
    ]
    ok = True
    for request, expected in cases:
        answer = engine.evaluate(request)
        print(json.dumps(answer, separators=(",", ":")))
        ok = ok and answer.get("decision") == expected
    bad = engine.evaluate({"principal": "service:api-web", "action": 3, "resource": "x"})
    print(json.dumps(bad, separators=(",", ":")))
    ok = ok and bad["error"]["field"] == "action"
    try:
        Tessera(sys.argv[1], "broken.policy", 'policy "p" { alow "x" {} }')
        ok = False
    except ValueError as error:
        print(f"compile error: {error}")
    engine.close()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
