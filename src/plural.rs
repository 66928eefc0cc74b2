//! Swedish counts: "1 sida", "2 sidor", "1 fel och 1 varning". Every count the command
//! line and the site print goes through [`count`], so singular and plural agree.

/// `n` followed by the singular or the plural form of a noun.
pub fn count(n: usize, singular: &str, plural: &str) -> String {
    format!("{n} {}", if n == 1 { singular } else { plural })
}

/// "N sida/sidor".
pub fn pages(n: usize) -> String {
    count(n, "sida", "sidor")
}

/// "N länk kontrollerad/länkar kontrollerade".
pub fn links_checked(n: usize) -> String {
    count(n, "länk kontrollerad", "länkar kontrollerade")
}

/// "N fel" (the same word in both numbers).
pub fn errors(n: usize) -> String {
    count(n, "fel", "fel")
}

/// "N varning/varningar".
pub fn warnings(n: usize) -> String {
    count(n, "varning", "varningar")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn singular_for_one_plural_otherwise() {
        assert_eq!(pages(1), "1 sida");
        assert_eq!(pages(0), "0 sidor");
        assert_eq!(pages(67), "67 sidor");
        assert_eq!(links_checked(1), "1 länk kontrollerad");
        assert_eq!(links_checked(2), "2 länkar kontrollerade");
        assert_eq!(
            format!("{} och {}", errors(1), warnings(1)),
            "1 fel och 1 varning"
        );
        assert_eq!(warnings(2), "2 varningar");
    }
}
