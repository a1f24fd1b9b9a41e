"""The functional core: plain values and pure functions, no I/O, no clock, no SQL, no Textual."""
