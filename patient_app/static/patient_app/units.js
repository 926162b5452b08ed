// Temperatures as the patient reads them (issue 19): in their unit (a server preference,
// "c" or "f") and their language's number format. Readings are sent and stored in Celsius or
// Fahrenheit as typed (the server accepts either field); only what is shown changes.

// The ranges the server accepts (recovery.models.checkins.TEMPERATURE_C_RANGE, and the same
// range in °F), so the hint never invites a value the server refuses.
export const TEMPERATURE_RANGE = { C: [34, 43], F: [93.2, 109.4] };
// A typical reading, shown as the input's example.
const EXAMPLE = { C: 37, F: 98.6 };
// The fever the app asks the patient to watch for: triage's fever_threshold_c default
// (recovery/triage/rules.yaml; sources R2, R3, R4, R5, R9, R62, R63).
export const FEVER_C = 38;

// The patient's unit for this session, "C" or "F": read from the server at sign-in and kept
// on this device (so the check-in form has it offline).
let current = "C";

export function setTemperatureUnit(code) {
  current = unitOf(code);
}

export function temperatureUnit() {
  return current;
}

// The server's "c"/"f" (or this app's "C"/"F") as "C" or "F"; Celsius when unknown.
export function unitOf(code) {
  return String(code || "").toUpperCase() === "F" ? "F" : "C";
}

export function toFahrenheit(celsius) {
  return (celsius * 9) / 5 + 32;
}

function number(value, language) {
  return new Intl.NumberFormat(language, { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(value);
}

// A value already in `unit`, e.g. "98.6 °F" or "37,0 °C".
export function formatInUnit(value, unit, language) {
  return `${number(value, language)} °${unitOf(unit)}`;
}

// A Celsius reading in the patient's unit.
export function formatTemperature(celsius, unit, language) {
  const shown = unitOf(unit) === "F" ? Math.round(toFahrenheit(celsius) * 10) / 10 : celsius;
  return formatInUnit(shown, unit, language);
}

// The input's hints in `unit`: the accepted range and an example reading.
export function temperatureHints(unit, language) {
  const u = unitOf(unit);
  const [low, high] = TEMPERATURE_RANGE[u];
  return { low: formatInUnit(low, u, language), high: formatInUnit(high, u, language), example: number(EXAMPLE[u], language) };
}
