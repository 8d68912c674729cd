//! [`Located`]: a value read from a file together with the line and column
//! it came from, for both formats the tool reads (YAML and TOML), so that an
//! error found after parsing (a duplicate IP, an IP outside the scope) still
//! names where it is.
//!
//! Each format's deserializer reports positions through its own span type
//! (`serde_saphyr::Spanned`, `toml::Spanned`); which one applies is set for
//! the duration of one parse by [`with_format`].

use std::cell::RefCell;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The file formats, with what turning a position into line and column needs.
#[derive(Debug)]
enum Active {
    Yaml,
    /// Byte offsets of each line's start, since TOML spans are byte ranges.
    Toml(Vec<usize>),
}

thread_local! {
    static ACTIVE: RefCell<Option<Active>> = const { RefCell::new(None) };
}

/// A file format, as the parse of one file sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Yaml,
    Toml,
}

/// Runs `parse` with [`Located`] values reading positions the way `format`'s
/// deserializer gives them; `source` is the text being parsed.
pub(crate) fn with_format<R>(format: Format, source: &str, parse: impl FnOnce() -> R) -> R {
    let active = match format {
        Format::Yaml => Active::Yaml,
        Format::Toml => Active::Toml(line_starts(source)),
    };
    ACTIVE.with(|a| *a.borrow_mut() = Some(active));
    let result = parse();
    ACTIVE.with(|a| *a.borrow_mut() = None);
    result
}

/// Byte offset of the start of every line.
fn line_starts(source: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(source.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

/// Line and column (both from 1) of a byte offset. Columns count bytes, as
/// TOML's spans do; keys and values before a position are nearly always
/// ASCII.
pub(crate) fn position_of(source: &str, offset: usize) -> (usize, usize) {
    to_position(&line_starts(source), offset)
}

fn to_position(starts: &[usize], offset: usize) -> (usize, usize) {
    let line = starts.partition_point(|&s| s <= offset).max(1);
    (line, offset - starts[line - 1] + 1)
}

/// Where a value is in its file: line and column, from 1 (0 when unknown).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Position {
    pub(crate) line: usize,
    pub(crate) column: usize,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// A value and where it was read. Serialises and describes itself (JSON
/// Schema) as the bare value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Located<T> {
    pub(crate) value: T,
    pub(crate) at: Position,
}

impl<T> Located<T> {
    /// A value made by the tool itself (no position).
    pub(crate) fn new(value: T) -> Self {
        Self {
            value,
            at: Position::default(),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Located<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Only the format here: the TOML line table is read after the value,
        // not copied for each of a file's many values.
        let format = ACTIVE.with(|a| {
            a.borrow().as_ref().map(|active| match active {
                Active::Yaml => Format::Yaml,
                Active::Toml(_) => Format::Toml,
            })
        });
        match format {
            Some(Format::Yaml) => {
                let spanned = serde_saphyr::Spanned::<T>::deserialize(deserializer)?;
                let at = Position {
                    line: usize::try_from(spanned.referenced.line()).unwrap_or(0),
                    column: usize::try_from(spanned.referenced.column()).unwrap_or(0),
                };
                Ok(Self {
                    value: spanned.value,
                    at,
                })
            }
            Some(Format::Toml) => {
                let spanned = toml::Spanned::<T>::deserialize(deserializer)?;
                let offset = spanned.span().start;
                let (line, column) = ACTIVE.with(|a| match &*a.borrow() {
                    Some(Active::Toml(starts)) => to_position(starts, offset),
                    _ => (0, 0),
                });
                Ok(Self {
                    value: spanned.into_inner(),
                    at: Position { line, column },
                })
            }
            None => T::deserialize(deserializer).map(Self::new),
        }
    }
}

impl<T: Serialize> Serialize for Located<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(serializer)
    }
}

impl<T: schemars::JsonSchema> schemars::JsonSchema for Located<T> {
    fn schema_name() -> String {
        T::schema_name()
    }

    fn is_referenceable() -> bool {
        T::is_referenceable()
    }

    fn json_schema(generator: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
        T::json_schema(generator)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_become_lines_and_columns() {
        let text = "a = 1\nbb = 2\n\nccc";
        assert_eq!(position_of(text, 0), (1, 1));
        assert_eq!(position_of(text, 4), (1, 5));
        assert_eq!(position_of(text, 6), (2, 1));
        assert_eq!(position_of(text, 11), (2, 6));
        assert_eq!(position_of(text, 14), (4, 1));
    }

    #[test]
    fn positions_come_from_either_format() {
        #[derive(Deserialize)]
        struct Doc {
            name: Located<String>,
        }
        let yaml = "# c\nname: here\n";
        let doc: Doc = with_format(Format::Yaml, yaml, || serde_saphyr::from_str(yaml)).unwrap();
        assert_eq!((doc.name.value.as_str(), doc.name.at.line), ("here", 2));
        assert_eq!(doc.name.at.column, 7);
        let toml_text = "# c\n\nname = \"here\"\n";
        let doc: Doc = with_format(Format::Toml, toml_text, || toml::from_str(toml_text)).unwrap();
        assert_eq!(doc.name.value, "here");
        assert_eq!((doc.name.at.line, doc.name.at.column), (3, 8));
    }
}
