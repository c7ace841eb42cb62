//! Taint labels and `requires` expressions (`A and not B`, `(A or B)`).

/// The label of taint from a source without `label`: sinks without
/// `requires` want it, as in Semgrep.
pub(crate) const DEFAULT_LABEL: &str = "__SOURCE__";

/// A parsed `requires` condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Requires {
    Label(String),
    Not(Box<Requires>),
    And(Box<Requires>, Box<Requires>),
    Or(Box<Requires>, Box<Requires>),
}

impl Requires {
    /// Parse `text`; `None` when it is not a valid condition.
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let tokens = tokenize(text);
        let mut parser = Parser { tokens, pos: 0 };
        let expr = parser.or()?;
        (parser.pos == parser.tokens.len()).then_some(expr)
    }

    /// Whether the labels `has` satisfy the condition.
    pub(crate) fn holds(&self, has: &dyn Fn(&str) -> bool) -> bool {
        match self {
            Requires::Label(l) => has(l),
            Requires::Not(r) => !r.holds(has),
            Requires::And(a, b) => a.holds(has) && b.holds(has),
            Requires::Or(a, b) => a.holds(has) || b.holds(has),
        }
    }
}

fn tokenize(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        if c.is_alphanumeric() || c == '_' || c == '-' || c == '$' {
            word.push(c);
            continue;
        }
        if !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
        if c == '(' || c == ')' {
            out.push(c.to_string());
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

struct Parser {
    tokens: Vec<String>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&str> {
        self.tokens.get(self.pos).map(String::as_str)
    }

    fn or(&mut self) -> Option<Requires> {
        let mut left = self.and()?;
        while self.peek() == Some("or") {
            self.pos += 1;
            left = Requires::Or(Box::new(left), Box::new(self.and()?));
        }
        Some(left)
    }

    fn and(&mut self) -> Option<Requires> {
        let mut left = self.not()?;
        while self.peek() == Some("and") {
            self.pos += 1;
            left = Requires::And(Box::new(left), Box::new(self.not()?));
        }
        Some(left)
    }

    fn not(&mut self) -> Option<Requires> {
        if self.peek() == Some("not") {
            self.pos += 1;
            return Some(Requires::Not(Box::new(self.not()?)));
        }
        self.atom()
    }

    fn atom(&mut self) -> Option<Requires> {
        let token = self.peek()?.to_owned();
        self.pos += 1;
        match token.as_str() {
            "(" => {
                let inner = self.or()?;
                (self.peek() == Some(")")).then(|| self.pos += 1)?;
                Some(inner)
            }
            ")" | "and" | "or" => None,
            _ => Some(Requires::Label(token)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_evaluates_conditions() {
        let r = Requires::parse("A and not (B or C)").unwrap();
        assert!(r.holds(&|l| l == "A"));
        assert!(!r.holds(&|l| l == "A" || l == "C"));
        assert!(!r.holds(&|_| false));
        assert_eq!(Requires::parse("A and"), None);
        assert_eq!(Requires::parse("X"), Some(Requires::Label("X".into())));
    }
}
