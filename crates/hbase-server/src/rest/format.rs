//! Content negotiation: which representation a client asked for (`Accept`)
//! and which one it sent (`Content-Type`), and turning a model into a
//! response in the chosen one.
//!
//! HBase's REST server speaks XML, JSON, protobuf, plain text and raw bytes,
//! each endpoint a subset; we offer the same subsets, except protobuf for the
//! cluster status, namespaces and stateless scans. When the client states no
//! preference (`*/*` or no header) we answer JSON.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::ApiError;

/// A representation of a REST model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
    Text,
    Binary,
    Protobuf,
}

impl Format {
    /// The media type we answer with.
    pub fn mime(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Xml => "text/xml",
            Format::Text => "text/plain",
            Format::Binary => "application/octet-stream",
            Format::Protobuf => "application/x-protobuf",
        }
    }

    fn from_media(media: &str) -> Option<Format> {
        match media {
            "application/json" => Some(Format::Json),
            "text/xml" | "application/xml" => Some(Format::Xml),
            "text/plain" => Some(Format::Text),
            "application/octet-stream" => Some(Format::Binary),
            "application/x-protobuf" | "application/protobuf" => Some(Format::Protobuf),
            _ => None,
        }
    }

    /// The first representation in the `Accept` header that the endpoint offers;
    /// `offered[0]` when the client accepts anything. 406 when nothing fits.
    pub fn accepted(headers: &HeaderMap, offered: &[Format]) -> Result<Format, ApiError> {
        let default = offered.first().copied().unwrap_or(Format::Json);
        let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
            return Ok(default);
        };
        let mut any = accept.trim().is_empty();
        for media in accept.split(',') {
            let media = media.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
            if media == "*/*" || media == "*" {
                any = true;
                continue;
            }
            if let Some(f) = Format::from_media(&media).filter(|f| offered.contains(f)) {
                return Ok(f);
            }
            if let Some(kind) = media.strip_suffix("/*")
                && let Some(f) = offered.iter().find(|f| f.mime().starts_with(&format!("{kind}/")))
            {
                return Ok(*f);
            }
        }
        if any {
            return Ok(default);
        }
        let names: Vec<&str> = offered.iter().map(|f| f.mime()).collect();
        Err(ApiError::not_acceptable(format!(
            "cannot answer with any of '{accept}'; this endpoint offers {}",
            names.join(", ")
        )))
    }

    /// The representation of a request body, from `Content-Type`; sniffed from the
    /// first byte when the header is missing. 415 for anything we do not read.
    pub fn of_body(headers: &HeaderMap, body: &[u8], readable: &[Format]) -> Result<Format, ApiError> {
        let given = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
        let format = match given {
            Some(ct) => {
                let media = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
                Format::from_media(&media)
            }
            None => match body.iter().find(|b| !b.is_ascii_whitespace()) {
                Some(b'<') => Some(Format::Xml),
                Some(b'{') | None => Some(Format::Json),
                Some(_) => None,
            },
        };
        match format {
            Some(f) if readable.contains(&f) => Ok(f),
            Some(Format::Protobuf) => Err(ApiError::unsupported_media_type(
                "protobuf bodies are not supported by this server: send application/json or text/xml",
            )),
            _ => {
                let names: Vec<&str> = readable.iter().map(|f| f.mime()).collect();
                Err(ApiError::unsupported_media_type(format!(
                    "cannot read a body of type '{}'; this endpoint reads {}",
                    given.unwrap_or("(none)"),
                    names.join(", ")
                )))
            }
        }
    }
}

/// A REST model that can be written as JSON, XML and (some) plain text and protobuf.
pub trait Model {
    fn to_json(&self) -> serde_json::Value;
    fn to_xml(&self) -> String;
    /// Plain text, for the endpoints where HBase offers it.
    fn to_text(&self) -> String {
        self.to_json().to_string()
    }
    /// The protobuf message, for the models that have one.
    fn to_protobuf(&self) -> Option<Vec<u8>> {
        None
    }
}

/// A 200 response with the model in the chosen representation.
pub fn render(model: &impl Model, format: Format) -> Response {
    if format == Format::Protobuf
        && let Some(body) = model.to_protobuf()
    {
        let mut response = (StatusCode::OK, body).into_response();
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(Format::Protobuf.mime()));
        return response;
    }
    let body = match format {
        Format::Xml => model.to_xml(),
        Format::Text => model.to_text(),
        _ => model.to_json().to_string(),
    };
    let mime = match format {
        Format::Xml | Format::Text => format.mime(),
        _ => Format::Json.mime(),
    };
    let mut response = (StatusCode::OK, body).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(name: header::HeaderName, value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn accept_picks_first_offered() {
        let offered = [Format::Json, Format::Xml, Format::Binary];
        assert_eq!(Format::accepted(&HeaderMap::new(), &offered).unwrap(), Format::Json);
        assert_eq!(Format::accepted(&headers(header::ACCEPT, "*/*"), &offered).unwrap(), Format::Json);
        assert_eq!(Format::accepted(&headers(header::ACCEPT, "text/xml"), &offered).unwrap(), Format::Xml);
        assert_eq!(
            Format::accepted(
                &headers(header::ACCEPT, "application/x-protobuf, application/octet-stream;q=0.5"),
                &offered
            )
            .unwrap(),
            Format::Binary
        );
        assert_eq!(Format::accepted(&headers(header::ACCEPT, "text/*"), &offered).unwrap(), Format::Xml);
        let err = Format::accepted(&headers(header::ACCEPT, "application/x-protobuf"), &offered).unwrap_err();
        assert_eq!(err.status(), StatusCode::NOT_ACCEPTABLE);
    }

    #[test]
    fn body_type_from_header_or_sniffed() {
        let readable = [Format::Json, Format::Xml];
        assert_eq!(Format::of_body(&HeaderMap::new(), b" <CellSet/>", &readable).unwrap(), Format::Xml);
        assert_eq!(Format::of_body(&HeaderMap::new(), b"", &readable).unwrap(), Format::Json);
        let h = headers(header::CONTENT_TYPE, "application/json; charset=utf-8");
        assert_eq!(Format::of_body(&h, b"{}", &readable).unwrap(), Format::Json);
        let h = headers(header::CONTENT_TYPE, "application/x-protobuf");
        assert_eq!(Format::of_body(&h, b"", &readable).unwrap_err().status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    }
}
