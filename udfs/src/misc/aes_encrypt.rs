//! `aes_encrypt(input, key)` and its inverse `aes_decrypt`: AES in ECB mode
//! with PKCS#5 padding, as Hive's `GenericUDFAesEncrypt` (the JDK's
//! `AES/ECB/PKCS5Padding`). The key is 16, 24 or 32 bytes (a string's UTF-8
//! bytes or a binary); another length, a NULL argument, or (for decryption)
//! input that does not decrypt gives NULL.

use std::sync::{Arc, LazyLock};

use aes::cipher::generic_array::GenericArray;
use aes::cipher::{BlockDecrypt, BlockEncrypt, KeyInit};
use aes::{Aes128, Aes192, Aes256};
use arrow::array::{Array, ArrayRef, AsArray, BinaryArray};
use arrow::compute::cast;
use arrow::datatypes::DataType;
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use crate::doc::hive_doc;

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Aes {
    signature: Signature,
    encrypt: bool,
}

impl Aes {
    pub fn new(encrypt: bool) -> Self {
        Self { signature: Signature::user_defined(Volatility::Immutable), encrypt }
    }
}

/// The UDF, ready to register.
pub fn udf() -> Arc<ScalarUDF> {
    Arc::new(ScalarUDF::new_from_impl(Aes::new(true)))
}

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "aes_encrypt(input, key)",
        "input encrypted with AES (ECB mode, PKCS#5 padding) under a 16, 24 or 32 byte key, as a binary",
        "> SELECT base64(aes_encrypt('ABC', '1234567890123456'));\ny6Ss+zCYObpCbgfWfyNWTw==",
    )
});

static DECRYPT_DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "aes_decrypt(input, key)",
        "input, encrypted by aes_encrypt, decrypted with the same key; NULL if it does not decrypt",
        "> SELECT aes_decrypt(unbase64('y6Ss+zCYObpCbgfWfyNWTw=='), '1234567890123456');\nABC",
    )
});

impl ScalarUDFImpl for Aes {
    fn name(&self) -> &str {
        if self.encrypt { "aes_encrypt" } else { "aes_decrypt" }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [_, _] => Ok(vec![DataType::Binary, DataType::Binary]),
            _ => plan_err!("{} takes 2 arguments (input, key), got {}", self.name(), arg_types.len()),
        }
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Binary)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let all_scalar = args.args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let input = cast(&arrays[0], &DataType::Binary)?;
        let key = cast(&arrays[1], &DataType::Binary)?;
        let (input, key) = (input.as_binary::<i32>(), key.as_binary::<i32>());
        let out: BinaryArray = (0..input.len())
            .map(|i| {
                if input.is_null(i) || key.is_null(i) {
                    return None;
                }
                if self.encrypt { encrypt(input.value(i), key.value(i)) } else { decrypt(input.value(i), key.value(i)) }
            })
            .collect();
        let out: ArrayRef = Arc::new(out);
        if all_scalar {
            return Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(&out, 0)?));
        }
        Ok(ColumnarValue::Array(out))
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(if self.encrypt { &DOC } else { &DECRYPT_DOC })
    }
}

/// Encrypts or decrypts each 16-byte block in place with the cipher for `key`; None for a
/// key of another length.
fn with_cipher(key: &[u8], blocks: &mut [u8], encrypt: bool) -> Option<()> {
    fn run<C: BlockEncrypt + BlockDecrypt + KeyInit>(key: &[u8], blocks: &mut [u8], encrypt: bool) -> Option<()> {
        let c = C::new_from_slice(key).ok()?;
        for chunk in blocks.chunks_mut(16) {
            let block = GenericArray::from_mut_slice(chunk);
            if encrypt { c.encrypt_block(block) } else { c.decrypt_block(block) }
        }
        Some(())
    }
    match key.len() {
        16 => run::<Aes128>(key, blocks, encrypt),
        24 => run::<Aes192>(key, blocks, encrypt),
        32 => run::<Aes256>(key, blocks, encrypt),
        _ => None,
    }
}

/// AES/ECB/PKCS5Padding encryption.
pub fn encrypt(input: &[u8], key: &[u8]) -> Option<Vec<u8>> {
    let pad = 16 - input.len() % 16;
    let mut buf = input.to_vec();
    buf.extend(std::iter::repeat_n(pad as u8, pad));
    with_cipher(key, &mut buf, true)?;
    Some(buf)
}

/// AES/ECB/PKCS5Padding decryption; None when the padding is not valid.
pub fn decrypt(input: &[u8], key: &[u8]) -> Option<Vec<u8>> {
    if input.is_empty() || !input.len().is_multiple_of(16) {
        return None;
    }
    let mut buf = input.to_vec();
    with_cipher(key, &mut buf, false)?;
    let pad = *buf.last()? as usize;
    if pad == 0 || pad > 16 || !buf[buf.len() - pad..].iter().all(|&b| b as usize == pad) {
        return None;
    }
    buf.truncate(buf.len() - pad);
    Some(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"1234567890123456";

    #[test]
    fn as_the_jdk() {
        // base64 y6Ss+zCYObpCbgfWfyNWTw==
        let want = [0xcb, 0xa4, 0xac, 0xfb, 0x30, 0x98, 0x39, 0xba, 0x42, 0x6e, 0x07, 0xd6, 0x7f, 0x23, 0x56, 0x4f];
        assert_eq!(encrypt(b"ABC", KEY).unwrap(), want);
        assert_eq!(decrypt(&want, KEY).unwrap(), b"ABC");
        assert_eq!(decrypt(&encrypt(b"", KEY).unwrap(), KEY).unwrap(), b"");
    }

    #[test]
    fn bad_keys_are_null() {
        assert_eq!(encrypt(b"ABC", b"12345678901234567"), None);
        assert_eq!(encrypt(b"ABC", b""), None);
    }
}
