"""The test suites. A package only so that ``from tests.support import ...`` works (pytest.ini: ``pythonpath = .``)."""
