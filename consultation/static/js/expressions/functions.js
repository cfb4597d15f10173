/**
 * The functions of the language, as questionnaires/expressions/functions.py. Each takes its
 * arguments evaluated in one of three ways: VALUES (scalars), NODES (a ${name} inside a repeat
 * gives its values across instances; anything else a one-item list) or LAZY (the tree nodes, for
 * if). An implementation receives the evaluator's scope first.
 *   FUNCTIONS: {name: {minimum, maximum, implementation, takes, needsReference}}
 *   arityText(spec), patternOf(text), toDate(value) -> XDate | "",
 *   toDateTime(value) -> XDateTime | ""
 */
import { md5, sha1 } from "../../vendor/noble-hashes/legacy.js";
import { sha256, sha384, sha512 } from "../../vendor/noble-hashes/sha2.js";
import { DAY_MS, XDate, XDateTime, isoToDays, parseIsoDateTime, toBoolean, toNumber, toString } from "./values.js";

const VALUES = "values";
export const NODES = "nodes";
export const LAZY = "lazy";
const XPATH_SPACE = /[ \t\r\n]+/;

/** XPath 1.0 round: the closest integer, halves toward +∞ (round(-2.5) = -2). */
function xpathRound(number) {
  if (!Number.isFinite(number) || number === 0) return number;
  if (number >= -0.5 && number < 0) return -0;
  return Math.floor(number + 0.5);
}

function round(scope, value, digits) {
  const number = toNumber(value);
  if (digits === undefined) return xpathRound(number);
  const places = toNumber(digits);
  if (!Number.isFinite(places)) return NaN;
  const factor = 10 ** Math.trunc(places);
  return xpathRound(number * factor) / factor;
}

function finiteOr(transform) {
  return (scope, value) => {
    const number = toNumber(value);
    return Number.isFinite(number) ? transform(number) : number;
  };
}

function power(scope, baseValue, exponentValue) {
  const base = toNumber(baseValue);
  const exponent = toNumber(exponentValue);
  // C's pow, as on the server: 1 to any power is 1, (-1)^±∞ is 1, 0 to a negative power is NaN.
  if (base === 1 || exponent === 0) return 1;
  if (base === -1 && !Number.isFinite(exponent) && !Number.isNaN(exponent)) return 1;
  if (base === 0 && exponent < 0) return NaN;
  return base ** exponent;
}

/** A math function of numbers; JavaScript's Math already gives IEEE results (sqrt(-1) is NaN,
 * log(0) is -Infinity), as XPath engines do. */
function ieee(operation) {
  return (scope, ...values) => operation(...values.map(toNumber));
}

/** A checklist bound: -1 (or any negative number) means no bound. */
function checklistBound(nodes) {
  const number = toNumber(nodes.length ? nodes[0] : "");
  return Number.isNaN(number) || number < 0 ? null : number;
}

function within(total, minimum, maximum) {
  const low = checklistBound(minimum);
  const high = checklistBound(maximum);
  return (low === null || total >= low) && (high === null || total <= high);
}

/** ODK checklist(min, max, v…): true when the number of true values is within the bounds. */
function checklist(scope, minimum, maximum, ...nodeLists) {
  return within(nodeLists.flat().filter(toBoolean).length, minimum, maximum);
}

/** ODK weighted-checklist(min, max, v1, w1, v2, w2…): the weights of the true values, summed. */
function weightedChecklist(scope, minimum, maximum, ...nodeLists) {
  let total = 0;
  for (let pair = 0; pair + 1 < nodeLists.length; pair += 2) {
    const [values, weights] = [nodeLists[pair], nodeLists[pair + 1]];
    for (let index = 0; index < Math.min(values.length, weights.length); index += 1) {
      if (toBoolean(values[index])) total += toNumber(weights[index]);
    }
  }
  return within(total, minimum, maximum);
}

function numbers(nodeLists) {
  return nodeLists.flat().map(toNumber);
}

function extremum(pick) {
  return (scope, ...nodeLists) => {
    const list = numbers(nodeLists);
    if (!list.length || list.some(Number.isNaN)) return NaN;
    return pick(...list);
  };
}

/** The correctly rounded sum of doubles (Shewchuk's algorithm, as Python's math.fsum). */
function exactSum(values) {
  const partials = [];
  let special = 0;
  for (let x of values) {
    if (!Number.isFinite(x)) {
      special += x;
      continue;
    }
    let i = 0;
    for (let y of partials) {
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
      const high = x + y;
      const low = y - (high - x);
      if (low) partials[i++] = low;
      x = high;
    }
    partials.length = i;
    partials.push(x);
  }
  if (special || Number.isNaN(special)) return special;
  let n = partials.length;
  if (!n) return 0;
  let high = partials[--n];
  let low = 0;
  while (n > 0) {
    const x = high;
    const y = partials[--n];
    high = x + y;
    const yr = high - x;
    low = y - yr;
    if (low) break;
  }
  if (n > 0 && ((low < 0 && partials[n - 1] < 0) || (low > 0 && partials[n - 1] > 0))) {
    const y = low * 2;
    const x = high + y;
    if (y === x - high) high = x;
  }
  return high;
}

/** An index as JavaRosa reads it: truncated toward zero, NaN as 0, ±Infinity past the ends. */
function javaInt(number, length) {
  if (Number.isNaN(number)) return 0;
  if (!Number.isFinite(number)) return number > 0 ? length + 1 : -(2 * length + 1);
  return Math.trunc(number);
}

/** ODK substr (JavaRosa's): 0-based start, end excluded, both truncated; a negative index counts
 * from the end (substr('abcde', -3) = 'cde'). */
function substr(scope, value, startValue, endValue) {
  const chars = [...toString(value)];
  const length = chars.length;
  let first = javaInt(toNumber(startValue), length);
  let last = endValue === undefined ? length : javaInt(toNumber(endValue), length);
  if (first < 0) first += length;
  if (last < 0) last += length;
  first = Math.min(Math.max(0, first), length);
  last = Math.min(Math.max(0, last), length);
  return first <= last ? chars.slice(first, last).join("") : "";
}

function substring(scope, value, startValue, lengthValue) {
  const chars = [...toString(value)];
  const first = xpathRound(toNumber(startValue));
  const last = lengthValue === undefined ? Infinity : first + xpathRound(toNumber(lengthValue));
  return chars.filter((_, index) => first <= index + 1 && index + 1 < last).join("");
}

function substringBefore(scope, value, needleValue) {
  const text = toString(value);
  const index = text.indexOf(toString(needleValue));
  return index >= 0 ? text.slice(0, index) : "";
}

function substringAfter(scope, value, needleValue) {
  const text = toString(value);
  const needle = toString(needleValue);
  const index = text.indexOf(needle);
  return index >= 0 ? text.slice(index + needle.length) : "";
}

function translate(scope, value, sourceValue, targetValue) {
  const source = [...toString(sourceValue)];
  const target = [...toString(targetValue)];
  const mapping = new Map();
  source.forEach((char, index) => {
    if (!mapping.has(char)) mapping.set(char, index < target.length ? target[index] : "");
  });
  return [...toString(value)].map((char) => (mapping.has(char) ? mapping.get(char) : char)).join("");
}

function items(value) {
  return toString(value).split(XPATH_SPACE).filter(Boolean);
}

/** Whether `choice` is among the answer's names; a choice name holding a space (accepted in
 * select_one lists, as pyxform does) is looked for as a run of whole words, as JavaRosa does. */
function selected(scope, answer, choice) {
  const wanted = items(choice);
  const list = items(answer);
  // JavaRosa's " answer ".contains("  "): the empty choice is selected in an empty answer only.
  if (!wanted.length) return !list.length;
  if (wanted.length === 1) return list.includes(wanted[0]);
  return ` ${list.join(" ")} `.includes(` ${wanted.join(" ")} `);
}

function selectedAt(scope, answer, indexValue) {
  const list = items(answer);
  const index = toNumber(indexValue);
  if (!Number.isFinite(index)) return "";
  const position = Math.trunc(index);
  return position >= 0 && position < list.length ? list[position] : "";
}

export function patternOf(text) {
  // Python's named groups (?P<name>…) are JavaScript's (?<name>…).
  return new RegExp(String(text).replace(/\(\?P</g, "(?<"), "u");
}

function regex(scope, value, pattern) {
  try {
    return patternOf(toString(pattern)).test(toString(value));
  } catch {
    return false;
  }
}

/** A date from a date, an ISO string or a number of days; "" when there is none. */
export function toDate(value) {
  if (value instanceof XDateTime) return new XDate(Math.floor(value.days));
  if (value instanceof XDate) return value;
  if (typeof value === "string") {
    const text = value.trim();
    if (!text) return "";
    if (text.length === 10 || text[10] === "T") {
      const days = isoToDays(text.slice(0, 10));
      if (days !== null) return new XDate(days);
    }
  }
  if (typeof value === "boolean" || value === null || value === undefined) return "";
  const number = toNumber(value);
  if (!Number.isFinite(number)) return "";
  return new XDate(Math.floor(number));
}

function decimalDate(scope, value) {
  const day = toDate(value);
  return day === "" ? NaN : day.days;
}

/** A date-time from a date-time, a date (its midnight), ODK's text of either, or a number of days
 * (its fraction is the time of day); "" when there is none. */
export function toDateTime(value) {
  if (value instanceof XDateTime) return value;
  if (value instanceof XDate) return new XDateTime(value.days * DAY_MS);
  if (typeof value === "string") {
    const moment = parseIsoDateTime(value);
    if (moment) return moment;
    const days = isoToDays(value);
    if (days !== null) return new XDateTime(days * DAY_MS);
  }
  if (typeof value === "boolean" || value === null || value === undefined) return "";
  const number = toNumber(value);
  if (!Number.isFinite(number)) return "";
  // A number of days, possibly fractional, to the millisecond.
  const milliseconds = xpathRound(number * DAY_MS);
  // Years 1 to 9999, as the server's datetime.
  return milliseconds >= -62_135_596_800_000 && milliseconds <= 253_402_300_799_999 ? new XDateTime(milliseconds) : "";
}

function decimalDateTime(scope, value) {
  const moment = toDateTime(value);
  return moment === "" ? NaN : moment.days;
}

const TIME = /^[ \t\r\n]*(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?[ \t\r\n]*$/;

/** ODK decimal-time("18:00:00.000+01:00") = 0.75: the fraction of the day of the clock time as
 * written; NaN for anything but a time. */
function decimalTime(scope, value) {
  const match = TIME.exec(toString(value));
  if (!match) return NaN;
  const [hour, minute, second] = [Number(match[1]), Number(match[2]), Number(match[3] || 0)];
  if (hour > 23 || minute > 59 || second > 59) return NaN;
  return (((hour * 60 + minute) * 60 + second) * 1000 + Number((match[4] || "0").slice(0, 3).padEnd(3, "0"))) / DAY_MS;
}

function hasTime(value) {
  return value instanceof XDateTime || (typeof value === "string" && parseIsoDateTime(value) !== null);
}

function format(moment, pattern) {
  const date = new Date(moment.milliseconds);
  const pad = (n, width = 2) => String(n).padStart(width, "0");
  const codes = {
    Y: pad(date.getUTCFullYear(), 4),
    y: pad(date.getUTCFullYear() % 100),
    m: pad(date.getUTCMonth() + 1),
    n: String(date.getUTCMonth() + 1),
    d: pad(date.getUTCDate()),
    e: String(date.getUTCDate()),
    H: pad(date.getUTCHours()),
    h: String(date.getUTCHours()),
    M: pad(date.getUTCMinutes()),
    S: pad(date.getUTCSeconds()),
    3: pad(date.getUTCMilliseconds(), 3),
  };
  return toString(pattern).replace(/%([YymndeHhMS3])/g, (whole, code) => codes[code]);
}

/** ODK format-date(): the date's codes (%Y %y %m %n %d %e) and, for a date-time, its time's
 * (%H %h %M %S %3); a date's time is midnight. */
function formatDate(scope, value, pattern) {
  const moment = hasTime(value) ? toDateTime(value) : toDate(value);
  if (moment === "") return "";
  return format(moment instanceof XDateTime ? moment : new XDateTime(moment.days * DAY_MS), pattern);
}

function formatDateTime(scope, value, pattern) {
  const moment = toDateTime(value);
  return moment === "" ? "" : format(moment, pattern);
}

// The earth as JavaRosa (GeoUtils), Enketo and Web Forms see it: a sphere of this radius, and
// results rounded to the centimetre (to the hundredth of a square metre).
const EARTH_RADIUS = 6_378_100;
const RADIANS = Math.PI / 180;

/** The points of geopoint, geotrace or geoshape values ("lat lon [alt [acc]]" joined by ";"),
 * null when one is not a point (latitude beyond ±90, longitude beyond ±180…). */
function geopoints(nodeLists) {
  const points = [];
  for (const value of nodeLists.flat()) {
    for (const part of toString(value).trim().split(/\s*;\s*/)) {
      const coordinates = part.split(XPATH_SPACE).filter(Boolean);
      if (coordinates.length < 2 || coordinates.length > 4) return null;
      const [latitude, longitude] = coordinates.slice(0, 2).map(toNumber);
      if (!(Math.abs(latitude) <= 90 && Math.abs(longitude) <= 180)) return null;
      points.push([latitude, longitude]);
    }
  }
  return points;
}

function toCentimetre(value) {
  return value ? Math.abs(xpathRound(value * 100) / 100) : 0;
}

/** ODK distance(): the length in metres of the line through the points, on the sphere (the
 * spherical law of cosines between successive points); NaN for fewer than two points. */
function distance(scope, ...nodeLists) {
  const points = geopoints(nodeLists);
  if (!points || points.length < 2) return NaN;
  let total = 0;
  for (let i = 1; i < points.length; i += 1) {
    const [[lat0, lon0], [lat1, lon1]] = [points[i - 1], points[i]];
    const [phi0, phi1] = [lat0 * RADIANS, lat1 * RADIANS];
    total += Math.acos(Math.sin(phi0) * Math.sin(phi1) + Math.cos(phi0) * Math.cos(phi1) * Math.cos((lon0 - lon1) * RADIANS)) * EARTH_RADIUS;
  }
  return toCentimetre(total);
}

/** ODK area(): the area in square metres of the polygon through the points (closed when the last
 * point is not the first), on the sphere; NaN for fewer than two points. */
function area(scope, nodes) {
  let points = geopoints([nodes]);
  if (!points || points.length < 2) return NaN;
  const [first, last] = [points[0], points[points.length - 1]];
  if (first[0] !== last[0] || first[1] !== last[1]) points = [...points, first];
  let total = 0;
  for (let i = 1; i < points.length; i += 1) {
    const [[lat0, lon0], [lat1, lon1]] = [points[i - 1], points[i]];
    total += (lon1 - lon0) * RADIANS * (2 + Math.sin(lat1 * RADIANS) + Math.sin(lat0 * RADIANS));
  }
  return toCentimetre((total * EARTH_RADIUS * EARTH_RADIUS) / 2);
}

/** ODK base64-decode(): the UTF-8 text that the base64 value encodes; "" when it is not base64
 * (atob's rules: spaces ignored, "=" padding optional). */
function base64Decode(scope, value) {
  let binary;
  try {
    binary = atob(toString(value));
  } catch {
    return "";
  }
  const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
  return new TextDecoder("utf-8").decode(bytes);
}

// digest()'s algorithms, by the names the ODK specification gives (any case). Synchronous:
// SubtleCrypto's digest is asynchronous and has no MD5.
const DIGESTS = { md5, "sha-1": sha1, "sha-256": sha256, "sha-384": sha384, "sha-512": sha512 };

/** ODK digest(data, 'SHA-256'[, 'hex']): the hash of the UTF-8 text, in base64 (the default) or
 * lowercase hexadecimal; "" for an algorithm or an encoding the specification does not name. */
function digest(scope, data, algorithm, encodingValue = "base64") {
  const hash = Object.hasOwn(DIGESTS, toString(algorithm).trim().toLowerCase()) ? DIGESTS[toString(algorithm).trim().toLowerCase()] : null;
  const encoding = toString(encodingValue).trim().toLowerCase();
  if (!hash || (encoding !== "base64" && encoding !== "hex")) return "";
  const bytes = hash(new TextEncoder().encode(toString(data)));
  if (encoding === "hex") return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return btoa(String.fromCharCode(...bytes));
}

// Park-Miller (the "minimal standard" generator): the one JavaRosa and Web Forms seed randomize()
// with, so that a seed gives the same order on Collect, in the browser and on the server.
const PARK_MILLER_MODULUS = 2_147_483_647;
const PARK_MILLER_MULTIPLIER = 16_807;
/** Functions that give a node-set: their result is an array, read item by item by join(), sum()… */
export const NODESET_FUNCTIONS = new Set(["randomize"]);

/** Java's (long) of a double, as a double: NaN is 0, past ±2^63 saturates, else truncated. */
function javaLong(number) {
  if (Number.isNaN(number)) return 0;
  if (number >= 2 ** 63) return 2 ** 63;
  if (number <= -(2 ** 63)) return -(2 ** 63);
  return Math.trunc(number);
}

function parkMiller(seed) {
  let state = javaLong(seed) % PARK_MILLER_MODULUS;
  if (state <= 0) state += PARK_MILLER_MODULUS - 1;
  // The products stay below 2^46: exact in doubles, as in Java and Python.
  return () => {
    state = (state * PARK_MILLER_MULTIPLIER) % PARK_MILLER_MODULUS;
    return (state - 1) / (PARK_MILLER_MODULUS - 1);
  };
}

/** ODK randomize(${champ}[, seed]): the values in a shuffled order; with a seed (the first value's
 * number, truncated as Java's long), always the same order, JavaRosa's: the inside-out
 * Fisher-Yates shuffle driven by Park-Miller. */
function randomize(scope, nodes, seed) {
  const nextDouble = seed === undefined ? Math.random : parkMiller(toNumber(seed.length ? seed[0] : ""));
  const result = [];
  nodes.forEach((value, index) => {
    const other = Math.floor(nextDouble() * (index + 1));
    if (other === index) result.push(value);
    else {
      result.push(result[other]);
      result[other] = value;
    }
  });
  return result;
}

/** JavaRosa's coalesce: the first value unless it is empty or NaN (its "null"), kept with its
 * type; the second argument is evaluated only when needed. */
function coalesce(scope, first, second) {
  const value = scope.value(first);
  if (toString(value) !== "" && !(typeof value === "number" && Number.isNaN(value))) return value;
  return scope.value(second);
}

/** ODK indexed-repeat(${field}, ${repeat}, n [, ${inner}, m …]): the value of `field` in the n-th
 * instance (from 1) of each repeat named; a repeat left unnamed is the instance being filled, else
 * all its instances, of which the first value counts. "" when an index points at no instance. The
 * arguments are tree nodes: the checks made sure the field and the repeats are ${names}. */
function indexedRepeat(scope, field, ...pairs) {
  const indexes = new Map();
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    const number = toNumber(scope.value(pairs[i + 1]));
    // position() = n in XPath: no instance sits at 1.5, nor at NaN.
    if (!Number.isInteger(number)) return "";
    indexes.set(pairs[i].name, number);
  }
  const values = scope.indexedNodes(field.name, indexes);
  return values.length ? values[0] : "";
}

// uuid(n)'s characters, as JavaRosa's PropertyUtils.genGUID draws them.
const GUID_CHARACTERS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const GUID_MAX_LENGTH = 4096;

/** uuid(): a version 4 UUID; uuid(n): n random letters and digits (none when n is not a positive
 * number), from crypto.getRandomValues (bytes past 247 are drawn again: no character favoured). */
function uuid(scope, ...args) {
  if (!args.length) return globalThis.crypto && crypto.randomUUID ? crypto.randomUUID() : "";
  const number = toNumber(args[0]);
  const count = number >= 1 ? Math.trunc(Math.min(number, GUID_MAX_LENGTH)) : 0;
  let text = "";
  while (text.length < count) {
    for (const byte of crypto.getRandomValues(new Uint8Array(count))) {
      if (byte < 248 && text.length < count) text += GUID_CHARACTERS[byte % 62];
    }
  }
  return text;
}

function fn(name, minimum, maximum, implementation, takes = VALUES, needsReference = false) {
  return [name, { minimum, maximum, implementation, takes, needsReference }];
}

export const FUNCTIONS = Object.fromEntries([
  fn("true", 0, 0, () => true),
  fn("false", 0, 0, () => false),
  fn("not", 1, 1, (scope, value) => !toBoolean(value)),
  fn("boolean", 1, 1, (scope, value) => toBoolean(value)),
  fn("boolean-from-string", 1, 1, (scope, value) => ["true", "1"].includes(toString(value))),
  fn("number", 0, 1, (scope, ...args) => toNumber(args.length ? args[0] : scope.currentValue())),
  fn("string", 0, 1, (scope, ...args) => toString(args.length ? args[0] : scope.currentValue())),
  fn("string-length", 0, 1, (scope, ...args) => [...toString(args.length ? args[0] : scope.currentValue())].length),
  fn("int", 1, 1, finiteOr(Math.trunc)),
  fn("round", 1, 2, round),
  fn("floor", 1, 1, finiteOr(Math.floor)),
  fn("ceiling", 1, 1, finiteOr(Math.ceil)),
  fn("abs", 1, 1, (scope, value) => Math.abs(toNumber(value))),
  fn("pow", 2, 2, power),
  fn("sin", 1, 1, ieee(Math.sin)),
  fn("cos", 1, 1, ieee(Math.cos)),
  fn("tan", 1, 1, ieee(Math.tan)),
  fn("asin", 1, 1, ieee(Math.asin)),
  fn("acos", 1, 1, ieee(Math.acos)),
  fn("atan", 1, 1, ieee(Math.atan)),
  fn("atan2", 2, 2, ieee(Math.atan2)),
  fn("log", 1, 1, ieee(Math.log)),
  fn("log10", 1, 1, ieee(Math.log10)),
  fn("exp", 1, 1, ieee(Math.exp)),
  fn("exp10", 1, 1, (scope, value) => power(scope, 10, value)),
  fn("sqrt", 1, 1, ieee(Math.sqrt)),
  fn("pi", 0, 0, () => Math.PI),
  fn("checklist", 2, Infinity, checklist, NODES),
  fn("weighted-checklist", 2, Infinity, weightedChecklist, NODES),
  fn("jr:choice-name", 2, 2, (scope, value, question) => scope.choiceLabel(toString(question), toString(value))),
  fn("min", 1, Infinity, extremum(Math.min), NODES),
  fn("max", 1, Infinity, extremum(Math.max), NODES),
  fn("sum", 1, 1, (scope, nodes) => (nodes.length ? exactSum(nodes.map(toNumber)) : 0), NODES, true),
  fn("count", 1, 1, (scope, nodes) => nodes.length, NODES, true),
  fn("count-non-empty", 1, 1, (scope, nodes) => nodes.filter((value) => toString(value) !== "").length, NODES, true),
  fn("join", 2, Infinity, (scope, separator, ...nodeLists) => nodeLists.flat().map(toString).join(separator.length ? toString(separator[0]) : ""), NODES),
  fn("concat", 0, Infinity, (scope, ...values) => values.map(toString).join("")),
  fn("contains", 2, 2, (scope, text, needle) => toString(text).includes(toString(needle))),
  fn("starts-with", 2, 2, (scope, text, start) => toString(text).startsWith(toString(start))),
  fn("ends-with", 2, 2, (scope, text, end) => toString(text).endsWith(toString(end))),
  fn("substr", 2, 3, substr),
  fn("substring", 2, 3, substring),
  fn("substring-before", 2, 2, substringBefore),
  fn("substring-after", 2, 2, substringAfter),
  fn("normalize-space", 0, 1, (scope, ...args) => items(args.length ? args[0] : scope.currentValue()).join(" ")),
  fn("translate", 3, 3, translate),
  fn("selected", 2, 2, selected),
  fn("selected-at", 2, 2, selectedAt),
  fn("count-selected", 1, 1, (scope, answer) => items(answer).length),
  fn("regex", 2, 2, regex),
  fn("if", 3, 3, (scope, condition, whenTrue, whenFalse) => scope.value(toBoolean(scope.value(condition)) ? whenTrue : whenFalse), LAZY),
  fn("coalesce", 2, 2, coalesce, LAZY),
  fn("indexed-repeat", 3, 7, indexedRepeat, LAZY),
  fn("once", 1, 1, (scope, value) => (toString(scope.currentValue()) !== "" ? scope.currentValue() : value)),
  fn("today", 0, 0, (scope) => scope.today),
  fn("date", 1, 1, (scope, value) => toDate(value)),
  fn("now", 0, 0, (scope) => scope.now),
  fn("date-time", 1, 1, (scope, value) => toDateTime(value)),
  fn("decimal-date-time", 1, 1, decimalDateTime),
  fn("decimal-time", 1, 1, decimalTime),
  fn("format-date-time", 2, 2, formatDateTime),
  fn("decimal-date", 1, 1, decimalDate),
  fn("format-date", 2, 2, formatDate),
  fn("position", 0, 1, (scope) => scope.position()),
  fn("uuid", 0, 1, uuid),
  fn("distance", 1, Infinity, distance, NODES),
  fn("area", 1, 1, area, NODES),
  fn("base64-decode", 1, 1, base64Decode),
  fn("digest", 2, 3, digest),
  fn("random", 0, 0, () => Math.random()),
  fn("randomize", 1, 2, randomize, NODES),
]);

export const FUNCTION_NAMES = Object.freeze(Object.keys(FUNCTIONS));

/** « 2 arguments », « de 1 à 2 arguments »…, for the arity messages. */
export function arityText(spec) {
  const plural = (n) => (n > 1 ? "s" : "");
  if (spec.maximum === Infinity) return `au moins ${spec.minimum} argument${plural(spec.minimum)}`;
  if (spec.minimum === spec.maximum) return spec.minimum === 0 ? "aucun argument" : `${spec.minimum} argument${plural(spec.minimum)}`;
  return `de ${spec.minimum} à ${spec.maximum} arguments`;
}
