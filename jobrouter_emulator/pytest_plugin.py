"""pytest plugin of the emulator (registered through the ``pytest11`` entry point).

Fixtures that start the emulator in-process are added here by the emulator service work.
"""
