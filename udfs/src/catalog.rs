//! The functions of Hive's LanguageManual UDF page, by category, and the
//! usage text of Hive's operators (which are no functions in DataFusion but
//! which Hive's `SHOW FUNCTIONS` and `DESCRIBE FUNCTION` list).
//!
//! The list is the yardstick of coverage: a test checks that every name is
//! registered, and reports the ones still missing.

/// `(category, names)` of the LanguageManual UDF page.
pub const LANGUAGE_MANUAL: &[(&str, &[&str])] = &[
    (
        "mathematical",
        &[
            "round", "bround", "floor", "ceil", "ceiling", "rand", "exp", "ln", "log10", "log2", "log", "pow",
            "power", "sqrt", "bin", "hex", "unhex", "conv", "abs", "pmod", "sin", "asin", "cos", "acos", "tan",
            "atan", "degrees", "radians", "positive", "negative", "sign", "e", "pi", "factorial", "cbrt",
            "shiftleft", "shiftright", "shiftrightunsigned", "greatest", "least", "width_bucket",
        ],
    ),
    ("collection", &["size", "map_keys", "map_values", "array_contains", "sort_array"]),
    ("type conversion", &["binary", "cast"]),
    (
        "date",
        &[
            "from_unixtime", "unix_timestamp", "to_date", "year", "quarter", "month", "day", "dayofmonth", "hour",
            "minute", "second", "weekofyear", "extract", "datediff", "date_add", "date_sub", "from_utc_timestamp",
            "to_utc_timestamp", "current_date", "current_timestamp", "add_months", "last_day", "next_day", "trunc",
            "months_between", "date_format",
        ],
    ),
    ("conditional", &["if", "isnull", "isnotnull", "nvl", "coalesce", "case", "when", "nullif", "assert_true"]),
    (
        "string",
        &[
            "ascii", "base64", "character_length", "chr", "concat", "context_ngrams", "concat_ws", "decode", "elt",
            "encode", "field", "find_in_set", "format_number", "get_json_object", "in_file", "instr", "length",
            "locate", "lower", "lcase", "lpad", "ltrim", "ngrams", "octet_length", "parse_url", "printf", "quote",
            "regexp_extract", "regexp_replace", "repeat", "replace", "reverse", "rpad", "rtrim", "sentences",
            "space", "split", "str_to_map", "substr", "substring", "substring_index", "translate", "trim",
            "unbase64", "upper", "ucase", "initcap", "levenshtein", "soundex",
        ],
    ),
    ("data masking", &["mask", "mask_first_n", "mask_last_n", "mask_show_first_n", "mask_show_last_n", "mask_hash"]),
    (
        "misc",
        &[
            "java_method", "reflect", "hash", "current_user", "logged_in_user", "current_database", "md5", "sha1",
            "sha", "crc32", "sha2", "aes_encrypt", "aes_decrypt", "version", "surrogate_key",
        ],
    ),
    (
        "aggregate",
        &[
            "count", "sum", "avg", "min", "max", "variance", "var_pop", "var_samp", "stddev_pop", "stddev_samp",
            "covar_pop", "covar_samp", "corr", "percentile", "percentile_approx", "regr_avgx", "regr_avgy",
            "regr_count", "regr_intercept", "regr_r2", "regr_slope", "regr_sxx", "regr_sxy", "regr_syy",
            "histogram_numeric", "collect_set", "collect_list", "ntile",
        ],
    ),
    ("table-generating", &["explode", "posexplode", "inline", "stack", "json_tuple", "parse_url_tuple"]),
    (
        "windowing",
        &[
            "lead", "lag", "first_value", "last_value", "rank", "dense_rank", "row_number", "percent_rank",
            "cume_dist", "ntile",
        ],
    ),
];

/// Operators and keywords Hive lists among its functions, and the syntax
/// forms of the LanguageManual (`cast`, `extract`): `(name, usage)`. They
/// are planned by the SQL front end, not registered as functions.
pub const OPERATORS: &[(&str, &str)] = &[
    ("!", "! a - Logical not"),
    ("!=", "a != b - Returns TRUE if a is not equal to b"),
    ("%", "a % b - Returns the remainder when dividing a by b"),
    ("&", "a & b - Bitwise and"),
    ("*", "a * b - Multiplies a by b"),
    ("+", "a + b - Returns a+b"),
    ("-", "a - b - Returns the difference a-b"),
    ("/", "a / b - Divide a by b; integers divide as DOUBLE, and division by zero is NULL"),
    ("<", "a < b - Returns TRUE if a is less than b"),
    ("<=", "a <= b - Returns TRUE if a is not greater than b"),
    ("<=>", "a <=> b - Returns same result with EQUAL(=) operator for non-null operands, but returns TRUE if both are NULL, FALSE if one of the them is NULL"),
    ("<>", "a <> b - Returns TRUE if a is not equal to b"),
    ("=", "a = b - Returns TRUE if a equals b and false otherwise"),
    ("==", "a == b - Returns TRUE if a equals b and false otherwise"),
    (">", "a > b - Returns TRUE if a is greater than b"),
    (">=", "a >= b - Returns TRUE if a is not smaller than b"),
    ("^", "a ^ b - Bitwise exclusive or"),
    ("and", "a1 and a2 and ... and an - Logical and"),
    ("between", "[NOT] BETWEEN a AND b - evaluates whether a value is (not) in a range, bounds included"),
    ("case", "CASE a WHEN b THEN c [WHEN d THEN e]* [ELSE f] END - When a = b, returns c; when a = d, returns e; else returns f"),
    ("cast", "cast(expr AS type) - Converts expr to type as Hive does; NULL when the value does not convert"),
    ("div", "a div b - Divide a by b rounded to the long integer"),
    ("extract", "extract(field FROM source) - The field (year, quarter, month, week, day, hour, minute, second) of a date, timestamp or interval"),
    ("in", "test in(val1, val2...) - returns true if test equals any valN"),
    ("like", "str like pattern - Checks if str matches pattern (_ one character, % any characters)"),
    ("not", "not a - Logical not"),
    ("or", "a1 or a2 or ... or an - Logical or"),
    ("regexp", "str regexp regexp - Returns true if str matches regexp"),
    ("rlike", "str rlike regexp - Returns true if str matches regexp"),
    ("when", "CASE WHEN a THEN b [WHEN c THEN d]* [ELSE e] END - When a = true, returns b; when c = true, return d; else return e"),
    ("|", "a | b - Bitwise or"),
    ("~", "~ n - Bitwise not"),
];

/// The usage line of an operator, if `name` is one.
pub fn operator_usage(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    OPERATORS.iter().find(|(n, _)| *n == lower).map(|(_, u)| *u)
}
