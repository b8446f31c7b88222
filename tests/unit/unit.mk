unit:
