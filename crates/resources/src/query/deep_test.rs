//! Deeply nested input must fail cleanly, never overflow the stack
//! (test threads have 2 MiB).

use crate::query::{parse_sort, parse_where};

fn status<T>(r: Result<T, crate::query::QueryError>) -> u16 {
    r.map(|_| 200).unwrap_or_else(|e| e.status())
}

#[test]
fn deep_binop_chain() {
    assert_eq!(status(parse_where(&format!("a == {}1", "1+".repeat(5000)))), 500);
}

#[test]
fn deep_attribute_chain() {
    assert_eq!(status(parse_where(&format!("a{} == 1", ".b".repeat(3000)))), 500);
}

#[test]
fn deep_json() {
    assert_eq!(status(parse_where(&format!("{{\"a\": {}{}}}", "[".repeat(2000), "]".repeat(2000)))), 400);
    assert_eq!(status(parse_where(&format!("{{\"a\": {}{}}}", "[".repeat(800), "]".repeat(800)))), 200);
}

#[test]
fn deep_unary() {
    assert_eq!(status(parse_where(&format!("a == {}1", "-".repeat(600)))), 500);
    assert_eq!(status(parse_where(&format!("a == {}1", "-".repeat(5000)))), 500);
    assert_eq!(status(parse_where(&format!("a == 1 and {}b == 1", "not ".repeat(5000)))), 500);
    assert_eq!(status(parse_where(&format!("a == {}1", "not ".repeat(50)))), 400);
}

#[test]
fn deep_sort() {
    assert_eq!(status(parse_sort(&format!("a{}", "+b".repeat(3000)))), 400);
    assert_eq!(status(parse_sort(&format!("{}{}", "[".repeat(150), "]".repeat(150)))), 500);
}
