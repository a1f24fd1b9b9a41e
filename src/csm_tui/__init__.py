"""csm-tui: a keyboard-first terminal workspace for Customer Success Managers."""


def __getattr__(name: str) -> str:
    # Reading the installed metadata is slow next to a start-up that is budgeted (benchmarks:
    # start→paint), so only `csm --version` pays for it.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("csm-tui")
        except PackageNotFoundError:  # a source tree that was never installed
            return "0.0.0"
    raise AttributeError(name)
