"""A temperature as the patient reads it (issue 19): in their unit, in their locale.

Readings are stored in Celsius, one decimal (CheckIn.temperature_c); the patient's unit is a
notifications preference ("c" or "f", read through Patient.temperature_unit). Only what is
shown changes: the numeric fields of the API stay in Celsius, and input accepts either unit.
Formatting follows the active language (the patient's, on /me/ endpoints): "37.2 °C" in
English, "37,2 °C" in Spanish.
"""

from django.utils.formats import number_format

FAHRENHEIT = "f"


def celsius_to_fahrenheit(value: float) -> float:
    return value * 9 / 5 + 32


def temperature_display(celsius: float | None, unit: str) -> str | None:
    """`celsius` in `unit` ("c" or "f"; anything else: Celsius) with one decimal and the unit
    sign, in the active locale; None when there is no reading."""
    if celsius is None:
        return None
    if unit == FAHRENHEIT:
        return f"{number_format(round(celsius_to_fahrenheit(celsius), 1), 1)} °F"
    return f"{number_format(round(celsius, 1), 1)} °C"
