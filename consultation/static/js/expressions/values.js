/**
 * Values and their XPath 1.0 conversions, as questionnaires/expressions/values.py.
 *   toBoolean(value), toNumber(value), toString(value)
 *   XDate: the value of today() and date(), kept as days since 1970-01-01; its string is
 *   "YYYY-MM-DD" (the server uses datetime.date).
 *   XDateTime: the value of now() and date-time(), an XDate whose days have a fraction (the
 *   clock time as written, to the millisecond) and a zone (minutes east of UTC, or null); its
 *   string is "YYYY-MM-DDTHH:MM:SS.mmm+01:00" (the server uses datetime.datetime).
 *   parseIsoDateTime(text) -> XDateTime | null
 */

export const DAY_MS = 86_400_000;

/** A date (today(), date(…)), kept as days since 1970-01-01; its string is "YYYY-MM-DD". */
export class XDate {
  constructor(days) {
    this.days = days;
  }

  toString() {
    return daysToIso(this.days);
  }
}

/** A date-time (now(), date-time(…)): `milliseconds` since 1970-01-01T00:00 of the clock time as
 * written (its own zone, as the person who answered saw it), `offset` its zone in minutes east of
 * UTC (null: none). As a number it is days with a fraction: noon is x.5. */
export class XDateTime extends XDate {
  constructor(milliseconds, offset = null) {
    super(milliseconds / DAY_MS);
    this.milliseconds = milliseconds;
    this.offset = offset;
  }

  toString() {
    const date = new Date(this.milliseconds);
    const pad = (n, width = 2) => String(n).padStart(width, "0");
    let text = `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}T${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}.${pad(date.getUTCMilliseconds(), 3)}`;
    if (this.offset === null) return text;
    if (this.offset === 0) return `${text}Z`;
    const minutes = Math.abs(this.offset);
    return `${text}${this.offset < 0 ? "-" : "+"}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
  }
}

// An XML Schema dateTime as ODK writes it: 2026-03-15T10:30:00.000+01:00 (seconds, fraction and
// zone optional).
const ISO_DATE_TIME = /^[ \t\r\n]*(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}(?::?\d{2})?)?[ \t\r\n]*$/;

/** A date-time from ODK's text, to the millisecond, keeping its zone; null when it is none. */
export function parseIsoDateTime(text) {
  const match = ISO_DATE_TIME.exec(text);
  if (!match) return null;
  const [year, month, day, hour, minute] = match.slice(1, 6).map(Number);
  const second = Number(match[6] || 0);
  const millisecond = Number((match[7] || "0").slice(0, 3).padEnd(3, "0"));
  const zone = match[8];
  let offset = null;
  if (zone === "Z") offset = 0;
  else if (zone) {
    const digits = zone.slice(1).replace(":", "");
    const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0);
    if (minutes >= 24 * 60) return null;
    offset = zone[0] === "-" ? -minutes : minutes;
  }
  if (year < 1 || hour > 23 || minute > 59 || second > 59) return null;
  const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second, millisecond));
  date.setUTCFullYear(year);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return new XDateTime(date.getTime(), offset);
}

const XPATH_NUMBER = /^[ \t\r\n]*-?(?:\d+(?:\.\d*)?|\.\d+)[ \t\r\n]*$/;
const ISO_DATE = /^[ \t\r\n]*(\d{4})-(\d{2})-(\d{2})[ \t\r\n]*$/;

export function toBoolean(value) {
  if (typeof value === "boolean") return value;
  if (typeof value === "number") return !(value === 0 || Number.isNaN(value));
  if (value instanceof XDate) return true;
  if (value === null || value === undefined) return false;
  if (Array.isArray(value)) return value.length > 0;
  return String(value).length > 0;
}

export function toNumber(value) {
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "number") return value;
  if (value instanceof XDate) return value.days;
  if (value === null || value === undefined) return NaN;
  const text = toString(value);
  if (XPATH_NUMBER.test(text)) return Number(text.trim());
  const days = isoToDays(text);
  return days === null ? NaN : days;
}

export function toString(value) {
  if (value === null || value === undefined) return "";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") return formatNumber(value);
  if (value instanceof XDate) return value.toString();
  if (Array.isArray(value)) return value.map(toString).join(" ");
  if (typeof value === "object") return "";
  return String(value);
}

/** XPath's string of a number: no exponent, no trailing ".0", "NaN", "Infinity". */
function formatNumber(number) {
  if (Number.isNaN(number)) return "NaN";
  if (number === Infinity) return "Infinity";
  if (number === -Infinity) return "-Infinity";
  if (Number.isInteger(number)) return Math.abs(number) < 1e21 ? String(number === 0 ? 0 : number) : BigInt(number).toString();
  const text = String(number);
  if (!text.includes("e")) return text;
  return expandExponent(text);
}

function expandExponent(text) {
  // "1.5e-7" -> "0.00000015": the same digits, written out.
  const [mantissa, exponentText] = text.split("e");
  const exponent = Number(exponentText);
  const negative = mantissa.startsWith("-");
  const digits = mantissa.replace("-", "").replace(".", "");
  const pointAt = (mantissa.replace("-", "").indexOf(".") === -1 ? mantissa.replace("-", "").length : mantissa.replace("-", "").indexOf(".")) + exponent;
  let result;
  if (pointAt <= 0) result = `0.${"0".repeat(-pointAt)}${digits}`;
  else if (pointAt >= digits.length) result = digits + "0".repeat(pointAt - digits.length);
  else result = `${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
  return (negative ? "-" : "") + result;
}

export function isoToDays(text) {
  const match = ISO_DATE.exec(text);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (year < 1) return null;
  const date = new Date(Date.UTC(2000, month - 1, day));
  date.setUTCFullYear(year);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return Math.round(date.getTime() / DAY_MS);
}

function daysToIso(days) {
  const date = new Date(Math.floor(days) * DAY_MS);
  const pad = (n, width = 2) => String(n).padStart(width, "0");
  return `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
}

