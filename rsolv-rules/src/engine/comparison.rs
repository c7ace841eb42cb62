//! `metavariable-comparison`: a small Python-like expression language over
//! metavariable values (`$X > 1024`, `int($P) < 1024 and $P != 0`,
//! `str($M) == "md5"`, `re.match("^ab", $X)`).

use std::cmp::Ordering;

use crate::RuleRegex;

/// A parsed comparison expression.
#[derive(Debug, Clone)]
pub(crate) struct Comparison {
    expr: Expr,
    /// `base:` of the rule: metavariable text is read as an integer in
    /// this base (`base: 8` reads Go's `0644` and `644` alike).
    base: Option<u32>,
}

#[derive(Debug, Clone)]
enum Expr {
    Int(i64),
    Float(f64),
    Str(String),
    Bool(bool),
    Var(String),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    Bin(Box<Expr>, Op, Box<Expr>),
    Call(String, Vec<Expr>),
    List(Vec<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Or,
    And,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    In,
    NotIn,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

/// A value during evaluation.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Int(i64),
    Float(f64),
    Str(String),
    Bool(bool),
    List(Vec<Value>),
}

impl Comparison {
    /// Parse an expression; the error says what is wrong.
    #[cfg(test)]
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        Self::parse_with_base(text, None)
    }

    /// Parse an expression whose metavariables are integers written in
    /// `base` (the rule's `base:` option).
    pub(crate) fn parse_with_base(text: &str, base: Option<u32>) -> Result<Self, String> {
        let tokens = tokenize(text)?;
        let mut parser = Parser { tokens, pos: 0 };
        let expr = parser.or()?;
        if parser.pos != parser.tokens.len() {
            return Err(format!(
                "unexpected `{}` in comparison `{text}`",
                parser.tokens[parser.pos]
            ));
        }
        Ok(Self { expr, base })
    }

    /// Evaluate with `lookup` giving each metavariable's source text; an
    /// unbound metavariable or a type error makes the comparison false.
    pub(crate) fn eval(&self, lookup: &dyn Fn(&str) -> Option<String>) -> bool {
        let ctx = Ctx {
            lookup,
            base: self.base,
        };
        matches!(
            eval(&self.expr, &ctx),
            Some(Value::Bool(true) | Value::Int(1..) | Value::Int(..=-1))
        )
    }
}

fn tokenize(text: &str) -> Result<Vec<String>, String> {
    let mut tokens = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '"' || c == '\'' {
            let mut j = i + 1;
            let mut s = String::from('"');
            while j < chars.len() && chars[j] != c {
                if chars[j] == '\\' && j + 1 < chars.len() {
                    j += 1;
                }
                s.push(chars[j]);
                j += 1;
            }
            if j >= chars.len() {
                return Err(format!("unterminated string in comparison `{text}`"));
            }
            tokens.push(s);
            i = j + 1;
        } else if c.is_ascii_alphanumeric() || c == '_' || c == '$' || c == '.' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric() || matches!(chars[i], '_' | '$' | '.'))
            {
                i += 1;
            }
            tokens.push(chars[start..i].iter().collect());
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            if matches!(two.as_str(), "<=" | ">=" | "==" | "!=") {
                tokens.push(two);
                i += 2;
            } else if "<>()+-*/%,[]".contains(c) {
                tokens.push(c.to_string());
                i += 1;
            } else {
                return Err(format!("unexpected character `{c}` in comparison `{text}`"));
            }
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<String>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&str> {
        self.tokens.get(self.pos).map(String::as_str)
    }

    fn eat(&mut self, token: &str) -> bool {
        if self.peek() == Some(token) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn binary(
        &mut self,
        ops: &[(&str, Op)],
        next: fn(&mut Self) -> Result<Expr, String>,
    ) -> Result<Expr, String> {
        let mut left = next(self)?;
        'outer: loop {
            for (token, op) in ops {
                if self.eat(token) {
                    let right = next(self)?;
                    left = Expr::Bin(Box::new(left), *op, Box::new(right));
                    continue 'outer;
                }
            }
            return Ok(left);
        }
    }

    fn or(&mut self) -> Result<Expr, String> {
        self.binary(&[("or", Op::Or)], Self::and)
    }

    fn and(&mut self) -> Result<Expr, String> {
        self.binary(&[("and", Op::And)], Self::not)
    }

    fn not(&mut self) -> Result<Expr, String> {
        if self.eat("not") {
            return Ok(Expr::Not(Box::new(self.not()?)));
        }
        self.compare()
    }

    fn compare(&mut self) -> Result<Expr, String> {
        // `a not in b`: two tokens, so it is looked for before `binary`.
        let left = self.sum()?;
        if self.peek() == Some("not")
            && self.tokens.get(self.pos + 1).map(String::as_str) == Some("in")
        {
            self.pos += 2;
            let right = self.sum()?;
            return Ok(Expr::Bin(Box::new(left), Op::NotIn, Box::new(right)));
        }
        let mut left = left;
        'outer: loop {
            for (token, op) in [
                ("<=", Op::Le),
                (">=", Op::Ge),
                ("<", Op::Lt),
                (">", Op::Gt),
                ("==", Op::Eq),
                ("!=", Op::Ne),
                ("in", Op::In),
            ] {
                if self.eat(token) {
                    let right = self.sum()?;
                    left = Expr::Bin(Box::new(left), op, Box::new(right));
                    continue 'outer;
                }
            }
            return Ok(left);
        }
    }

    fn sum(&mut self) -> Result<Expr, String> {
        self.binary(&[("+", Op::Add), ("-", Op::Sub)], Self::term)
    }

    fn term(&mut self) -> Result<Expr, String> {
        self.binary(
            &[("*", Op::Mul), ("/", Op::Div), ("%", Op::Mod)],
            Self::unary,
        )
    }

    fn unary(&mut self) -> Result<Expr, String> {
        if self.eat("-") {
            return Ok(Expr::Neg(Box::new(self.unary()?)));
        }
        self.atom()
    }

    fn atom(&mut self) -> Result<Expr, String> {
        let Some(token) = self.peek().map(str::to_owned) else {
            return Err("comparison ends too early".into());
        };
        self.pos += 1;
        if token == "(" {
            let inner = self.or()?;
            return if self.eat(")") {
                Ok(inner)
            } else {
                Err("missing `)` in comparison".into())
            };
        }
        if token == "[" {
            let mut items = Vec::new();
            if !self.eat("]") {
                loop {
                    items.push(self.or()?);
                    if self.eat("]") {
                        break;
                    }
                    if !self.eat(",") {
                        return Err("expected `,` or `]` in list".into());
                    }
                }
            }
            return Ok(Expr::List(items));
        }
        if let Some(s) = token.strip_prefix('"') {
            return Ok(Expr::Str(s.to_owned()));
        }
        if token.starts_with('$') {
            return Ok(Expr::Var(token));
        }
        match token.as_str() {
            "True" | "true" => return Ok(Expr::Bool(true)),
            "False" | "false" => return Ok(Expr::Bool(false)),
            _ => {}
        }
        if let Some(n) = parse_int(&token) {
            return Ok(Expr::Int(n));
        }
        if let Ok(f) = token.parse::<f64>() {
            return Ok(Expr::Float(f));
        }
        if self.eat("(") {
            let mut args = Vec::new();
            if !self.eat(")") {
                loop {
                    args.push(self.or()?);
                    if self.eat(")") {
                        break;
                    }
                    if !self.eat(",") {
                        return Err(format!("expected `,` or `)` in call to `{token}`"));
                    }
                }
            }
            return Ok(Expr::Call(token, args));
        }
        Err(format!("unexpected `{token}` in comparison"))
    }
}

/// An integer literal as the six languages write it: `1_000`, `0x1F`,
/// `0o644`, `0b101`, and a leading zero for octal (`0644` in Go, Java, C
/// style). `None` for anything else.
fn parse_int(text: &str) -> Option<i64> {
    let t = text.trim().replace('_', "");
    let (digits, radix) = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        (h, 16)
    } else if let Some(o) = t.strip_prefix("0o").or_else(|| t.strip_prefix("0O")) {
        (o, 8)
    } else if let Some(b) = t.strip_prefix("0b").or_else(|| t.strip_prefix("0B")) {
        (b, 2)
    } else if t.len() > 1 && t.starts_with('0') && t.bytes().all(|c| c.is_ascii_digit()) {
        (&t[1..], 8)
    } else {
        (t.as_str(), 10)
    };
    let digits = digits.trim_end_matches(['l', 'L', 'u', 'U']);
    if digits.is_empty() || digits.starts_with(['+', '-']) {
        return None;
    }
    i64::from_str_radix(digits, radix).ok()
}

/// The value of a metavariable's source text: a number if it is one, a
/// boolean for `True`/`false`, the content of a string literal, else the
/// text itself. With `base`, digits are read in that base.
fn literal(text: &str, base: Option<u32>) -> Value {
    let t = text.trim();
    if let Some(base) = base {
        let digits = t
            .trim_start_matches("0o")
            .trim_start_matches("0x")
            .trim_start_matches("0b")
            .replace('_', "");
        if let Ok(n) = i64::from_str_radix(&digits, base) {
            return Value::Int(n);
        }
    }
    if let Some(n) = parse_int(t) {
        return Value::Int(n);
    }
    if let Ok(f) = t.parse::<f64>() {
        return Value::Float(f);
    }
    match t {
        "True" | "true" => return Value::Bool(true),
        "False" | "false" => return Value::Bool(false),
        _ => {}
    }
    for q in ['"', '\'', '`'] {
        if t.len() >= 2 && t.starts_with(q) && t.ends_with(q) {
            return Value::Str(t[1..t.len() - 1].to_owned());
        }
    }
    Value::Str(t.to_owned())
}

/// What evaluation needs besides the expression.
struct Ctx<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
    base: Option<u32>,
}

fn eval(expr: &Expr, cx: &Ctx) -> Option<Value> {
    Some(match expr {
        Expr::Int(n) => Value::Int(*n),
        Expr::Float(f) => Value::Float(*f),
        Expr::Str(s) => Value::Str(s.clone()),
        Expr::Bool(b) => Value::Bool(*b),
        Expr::Var(name) => literal(&(cx.lookup)(name)?, cx.base),
        Expr::List(items) => Value::List(items.iter().map(|e| eval(e, cx)).collect::<Option<_>>()?),
        Expr::Not(e) => Value::Bool(!truthy(&eval(e, cx)?)),
        Expr::Neg(e) => match eval(e, cx)? {
            Value::Int(n) => Value::Int(n.checked_neg()?),
            Value::Float(f) => Value::Float(-f),
            _ => return None,
        },
        Expr::Call(name, args) => call(name, args, cx)?,
        Expr::Bin(l, op, r) => {
            if *op == Op::And {
                return Some(Value::Bool(truthy(&eval(l, cx)?) && truthy(&eval(r, cx)?)));
            }
            if *op == Op::Or {
                return Some(Value::Bool(truthy(&eval(l, cx)?) || truthy(&eval(r, cx)?)));
            }
            binary(eval(l, cx)?, *op, eval(r, cx)?)?
        }
    })
}

fn call(name: &str, args: &[Expr], cx: &Ctx) -> Option<Value> {
    // `str($X)` and `int($X)` look at the metavariable's text.
    let raw = |e: &Expr| match e {
        Expr::Var(v) => (cx.lookup)(v),
        other => match eval(other, cx)? {
            Value::Str(s) => Some(s),
            Value::Int(n) => Some(n.to_string()),
            Value::Float(f) => Some(f.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            Value::List(_) => None,
        },
    };
    match (name, args) {
        ("str", [e]) => Some(Value::Str(match literal(&raw(e)?, cx.base) {
            Value::Str(s) => s,
            other => value_text(&other),
        })),
        ("int", [e]) => match literal(&raw(e)?, cx.base) {
            Value::Int(n) => Some(Value::Int(n)),
            Value::Float(f) => Some(Value::Int(f as i64)),
            Value::Str(s) => s.trim().parse().ok().map(Value::Int),
            Value::Bool(_) | Value::List(_) => None,
        },
        ("float", [e]) => match literal(&raw(e)?, cx.base) {
            Value::Int(n) => Some(Value::Float(n as f64)),
            Value::Float(f) => Some(Value::Float(f)),
            Value::Str(s) => s.trim().parse().ok().map(Value::Float),
            Value::Bool(_) | Value::List(_) => None,
        },
        ("re.match", [pattern, subject]) => {
            let Value::Str(pattern) = eval(pattern, cx)? else {
                return None;
            };
            let subject = match literal(&raw(subject)?, None) {
                Value::Str(s) => s,
                other => value_text(&other),
            };
            // Python's re.match anchors at the start only.
            let re = RuleRegex::new(&format!("^(?:{pattern})")).ok()?;
            Some(Value::Bool(re.is_match(&subject)))
        }
        _ => None,
    }
}

fn value_text(v: &Value) -> String {
    match v {
        Value::Int(n) => n.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Str(s) => s.clone(),
        Value::Bool(b) => {
            if *b {
                "True".into()
            } else {
                "False".into()
            }
        }
        Value::List(items) => items.iter().map(value_text).collect::<Vec<_>>().join(", "),
    }
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Int(n) => *n != 0,
        Value::Float(f) => *f != 0.0,
        Value::Str(s) => !s.is_empty(),
        Value::List(items) => !items.is_empty(),
    }
}

/// Python's `==` between two values (ints and floats compare by value).
fn loose_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Int(x), Value::Float(y)) | (Value::Float(y), Value::Int(x)) => (*x as f64) == *y,
        _ => a == b,
    }
}

fn binary(l: Value, op: Op, r: Value) -> Option<Value> {
    use Value::{Float, Int, Str};
    let num = |v: &Value| match v {
        Int(n) => Some(*n as f64),
        Float(f) => Some(*f),
        _ => None,
    };
    Some(match op {
        Op::Add | Op::Sub | Op::Mul | Op::Div | Op::Mod => match (&l, &r) {
            (Int(a), Int(b)) => Int(match op {
                Op::Add => a.checked_add(*b)?,
                Op::Sub => a.checked_sub(*b)?,
                Op::Mul => a.checked_mul(*b)?,
                Op::Div => a.checked_div(*b)?,
                _ => a.checked_rem(*b)?,
            }),
            (Str(a), Str(b)) if op == Op::Add => Str(format!("{a}{b}")),
            _ => {
                let (a, b) = (num(&l)?, num(&r)?);
                Float(match op {
                    Op::Add => a + b,
                    Op::Sub => a - b,
                    Op::Mul => a * b,
                    Op::Div => a / b,
                    _ => a % b,
                })
            }
        },
        Op::In | Op::NotIn => {
            let found = match (&l, &r) {
                (Str(a), Str(b)) => b.contains(a.as_str()),
                (item, Value::List(items)) => items.iter().any(|x| loose_eq(item, x)),
                _ => return None,
            };
            Value::Bool(found == (op == Op::In))
        }
        _ => {
            if matches!(op, Op::Eq | Op::Ne)
                && std::mem::discriminant(&l) != std::mem::discriminant(&r)
                && !(num(&l).is_some() && num(&r).is_some())
            {
                // Python: values of different types are never equal.
                return Some(Value::Bool(op == Op::Ne));
            }
            let ord = match (&l, &r) {
                (Str(a), Str(b)) => a.cmp(b),
                (Value::Bool(a), Value::Bool(b)) => a.cmp(b),
                _ => num(&l)?.partial_cmp(&num(&r)?)?,
            };
            Value::Bool(match op {
                Op::Lt => ord == Ordering::Less,
                Op::Le => ord != Ordering::Greater,
                Op::Gt => ord == Ordering::Greater,
                Op::Ge => ord != Ordering::Less,
                Op::Eq => ord == Ordering::Equal,
                _ => ord != Ordering::Equal,
            })
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(expr: &str, vars: &[(&str, &str)]) -> bool {
        let c = Comparison::parse(expr).unwrap();
        c.eval(&|name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn numbers_strings_and_logic() {
        assert!(check("$X > 1024", &[("$X", "2048")]));
        assert!(!check("$X > 1024", &[("$X", "80")]));
        assert!(check("$X < 1024 and $X != 0", &[("$X", "0x10")]));
        assert!(check("not ($X == 1)", &[("$X", "2")]));
        assert!(check("str($M) == \"md5\"", &[("$M", "'md5'")]));
        assert!(check("int($P) <= 1024", &[("$P", "\"443\"")]));
        assert!(check("re.match(\"^ab\", $X)", &[("$X", "\"abc\"")]));
        assert!(!check("re.match(\"b\", $X)", &[("$X", "\"abc\"")]));
        assert!(check("$X * 2 + 1 == 7", &[("$X", "3")]));
        assert!(!check("$Y > 1", &[]), "unbound is false");
    }

    #[test]
    fn octal_booleans_and_lists() {
        assert!(check("$B >= 0o650 and $B < 0o100000", &[("$B", "0o755")]));
        assert!(!check("$B >= 0o650", &[("$B", "0o600")]));
        assert!(check("$P > 0o600", &[("$P", "0644")]), "Go octal");
        assert!(check("$R == False", &[("$R", "False")]));
        assert!(!check("$R == False", &[("$R", "True")]));
        assert!(!check("$R == False", &[("$R", "0")]), "types differ");
        assert!(check("str($A) in [\"health\", \"*\"]", &[("$A", "health")]));
        assert!(check("not str($A) in [\"health\",\"*\"]", &[("$A", "env")]));
        assert!(check("$A not in [1, 2]", &[("$A", "3")]));
        let eight = Comparison::parse_with_base("$P > 0o600", Some(8)).unwrap();
        assert!(eight.eval(&|_| Some("644".into())));
    }

    #[test]
    fn parse_errors_are_reported() {
        assert!(Comparison::parse("$X >").is_err());
        assert!(Comparison::parse("$X ? 1").is_err());
        assert!(Comparison::parse("(\"unterminated").is_err());
    }
}
