//! Hive's string functions (LanguageManual UDF, "String Functions").
//!
//! Most are [`TextFunction`](crate::common::text::TextFunction)s: they take
//! any argument types and convert them as Hive does (numbers to their text,
//! strings to numbers). `levenshtein` is DataFusion's, which gives Hive's
//! results. `ngrams` and `context_ngrams` are aggregates (see `aggregate`).

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

use crate::common::text::udf;

pub mod ascii;
pub mod base64;
pub mod character_length;
pub mod chr;
pub mod concat;
pub mod concat_ws;
pub mod decode;
pub mod elt;
pub mod encode;
pub mod field;
pub mod find_in_set;
pub mod format_number;
pub mod get_json_object;
pub mod in_file;
pub mod initcap;
pub mod instr;
pub mod length;
pub mod locate;
pub mod lower;
pub mod lpad;
pub mod ltrim;
pub mod octet_length;
pub mod parse_url;
pub mod printf;
pub mod quote;
pub mod regexp_extract;
pub mod regexp_replace;
pub mod repeat;
pub mod replace;
pub mod reverse;
pub mod rpad;
pub mod rtrim;
pub mod sentences;
pub mod soundex;
pub mod space;
pub mod split;
pub mod str_to_map;
pub mod substr;
pub mod substring_index;
pub mod translate;
pub mod trim;
pub mod unbase64;
pub mod upper;

/// Every string function.
pub fn functions() -> Vec<Arc<ScalarUDF>> {
    vec![
        udf(ascii::Ascii),
        udf(base64::Base64),
        udf(character_length::CharacterLength),
        udf(chr::Chr),
        udf(concat::Concat),
        udf(concat_ws::ConcatWs),
        udf(decode::Decode),
        udf(elt::Elt),
        udf(encode::Encode),
        udf(field::Field),
        udf(find_in_set::FindInSet),
        udf(format_number::FormatNumber),
        udf(get_json_object::GetJsonObject),
        udf(in_file::InFile::default()),
        udf(initcap::Initcap),
        udf(instr::Instr),
        udf(length::Length),
        udf(locate::Locate),
        udf(lower::Lower),
        udf(lpad::Lpad),
        udf(ltrim::Ltrim),
        udf(octet_length::OctetLength),
        udf(parse_url::ParseUrl),
        udf(printf::Printf),
        udf(quote::Quote),
        udf(regexp_extract::RegexpExtract),
        udf(regexp_replace::RegexpReplace),
        udf(repeat::Repeat),
        udf(replace::Replace),
        udf(reverse::Reverse),
        udf(rpad::Rpad),
        udf(rtrim::Rtrim),
        udf(sentences::Sentences),
        udf(soundex::Soundex),
        udf(space::Space),
        udf(split::Split),
        udf(str_to_map::StrToMap),
        udf(substr::Substr),
        udf(substring_index::SubstringIndex),
        udf(translate::Translate),
        udf(trim::Trim),
        udf(unbase64::Unbase64),
        udf(upper::Upper),
        datafusion::functions::string::levenshtein(),
    ]
}
