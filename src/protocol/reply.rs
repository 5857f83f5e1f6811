//! Reply encoding for RESP2 and RESP3 in one place.
//!
//! Commands describe their reply with these methods and never write protocol bytes themselves;
//! the encoder picks the RESP2 fallback (maps as flat arrays, doubles as bulk strings, ...)
//! exactly as Redis's `addReply*` family does.

use bytes::{BufMut, Bytes, BytesMut};

/// The protocol a client negotiated with HELLO.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Protocol {
    /// RESP2, the default.
    #[default]
    Resp2,
    /// RESP3, after `HELLO 3`.
    Resp3,
}

impl Protocol {
    /// The number HELLO and CLIENT LIST report.
    pub fn version(self) -> i64 {
        match self {
            Protocol::Resp2 => 2,
            Protocol::Resp3 => 3,
        }
    }
}

/// An output buffer that knows which protocol to speak.
#[derive(Debug, Default)]
pub struct ReplyBuf {
    buf: BytesMut,
    proto: Protocol,
}

impl ReplyBuf {
    /// An empty buffer speaking `proto`.
    pub fn new(proto: Protocol) -> Self {
        ReplyBuf {
            buf: BytesMut::new(),
            proto,
        }
    }

    /// The protocol replies are encoded in.
    pub fn protocol(&self) -> Protocol {
        self.proto
    }

    /// Switches protocol (HELLO); later replies use the new one.
    pub fn set_protocol(&mut self, proto: Protocol) {
        self.proto = proto;
    }

    /// Bytes encoded so far.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// True when nothing is buffered.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Takes everything encoded so far, leaving the buffer empty.
    pub fn take(&mut self) -> Bytes {
        // Hand over the whole allocation so an idle connection keeps no reply buffer.
        std::mem::take(&mut self.buf).freeze()
    }

    /// Drops encoded bytes past `len` (used by CLIENT REPLY OFF/SKIP).
    pub fn truncate(&mut self, len: usize) {
        self.buf.truncate(len);
    }

    /// Appends already-encoded protocol bytes.
    pub fn raw(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    fn header(&mut self, prefix: u8, n: i64) {
        let mut itoa = itoa::Buffer::new();
        self.buf.reserve(24);
        self.buf.put_u8(prefix);
        self.buf.extend_from_slice(itoa.format(n).as_bytes());
        self.buf.extend_from_slice(b"\r\n");
    }

    /// `+OK`.
    pub fn ok(&mut self) {
        self.raw(b"+OK\r\n");
    }

    /// A simple string (`+text`); `text` must not contain CR or LF.
    pub fn simple(&mut self, text: &str) {
        self.buf.reserve(text.len() + 3);
        self.buf.put_u8(b'+');
        self.buf.extend_from_slice(text.as_bytes());
        self.buf.extend_from_slice(b"\r\n");
    }

    /// An error reply. `text` is the full message including its code (`ERR ...`,
    /// `WRONGTYPE ...`); newlines are replaced by spaces as Redis does.
    pub fn error(&mut self, text: &str) {
        self.error_bytes(text.as_bytes());
    }

    /// An error reply whose text may hold non-UTF-8 bytes (quoted client input), as Redis
    /// sends them.
    pub fn error_bytes(&mut self, text: &[u8]) {
        self.buf.reserve(text.len() + 3);
        self.buf.put_u8(b'-');
        for &b in text {
            self.buf
                .put_u8(if b == b'\r' || b == b'\n' { b' ' } else { b });
        }
        self.buf.extend_from_slice(b"\r\n");
    }

    /// An integer.
    pub fn int(&mut self, n: i64) {
        self.header(b':', n);
    }

    /// A bulk string.
    pub fn bulk(&mut self, data: &[u8]) {
        self.header(b'$', data.len() as i64);
        self.buf.extend_from_slice(data);
        self.buf.extend_from_slice(b"\r\n");
    }

    /// A bulk string holding an integer's decimal form.
    pub fn bulk_int(&mut self, n: i64) {
        let mut itoa = itoa::Buffer::new();
        let s = itoa.format(n);
        self.bulk(s.as_bytes());
    }

    /// The null bulk string (`$-1` / `_`).
    pub fn null(&mut self) {
        match self.proto {
            Protocol::Resp2 => self.raw(b"$-1\r\n"),
            Protocol::Resp3 => self.raw(b"_\r\n"),
        }
    }

    /// The null array (`*-1` / `_`).
    pub fn null_array(&mut self) {
        match self.proto {
            Protocol::Resp2 => self.raw(b"*-1\r\n"),
            Protocol::Resp3 => self.raw(b"_\r\n"),
        }
    }

    /// Header of an array of `n` elements.
    pub fn array(&mut self, n: usize) {
        self.header(b'*', n as i64);
    }

    /// Header of a map of `n` key/value pairs (RESP2: an array of 2n elements).
    pub fn map(&mut self, n: usize) {
        match self.proto {
            Protocol::Resp2 => self.header(b'*', 2 * n as i64),
            Protocol::Resp3 => self.header(b'%', n as i64),
        }
    }

    /// Header of a set of `n` elements (RESP2: an array).
    pub fn set(&mut self, n: usize) {
        match self.proto {
            Protocol::Resp2 => self.header(b'*', n as i64),
            Protocol::Resp3 => self.header(b'~', n as i64),
        }
    }

    /// Header of an out-of-band push of `n` elements (RESP2: an array).
    pub fn push(&mut self, n: usize) {
        match self.proto {
            Protocol::Resp2 => self.header(b'*', n as i64),
            Protocol::Resp3 => self.header(b'>', n as i64),
        }
    }

    /// A boolean (RESP2: the integer 1 or 0).
    pub fn boolean(&mut self, b: bool) {
        match self.proto {
            Protocol::Resp2 => self.int(i64::from(b)),
            Protocol::Resp3 => self.raw(if b { b"#t\r\n" } else { b"#f\r\n" }),
        }
    }

    /// A double (RESP2: a bulk string), formatted as Redis formats doubles.
    pub fn double(&mut self, d: f64) {
        let text = format_double(d);
        match self.proto {
            Protocol::Resp2 => self.bulk(text.as_bytes()),
            Protocol::Resp3 => {
                self.buf.put_u8(b',');
                self.buf.extend_from_slice(text.as_bytes());
                self.buf.extend_from_slice(b"\r\n");
            }
        }
    }

    /// A verbatim string with a three-letter format such as `txt` (RESP2: a bulk string).
    pub fn verbatim(&mut self, format: &str, text: &[u8]) {
        match self.proto {
            Protocol::Resp2 => self.bulk(text),
            Protocol::Resp3 => {
                self.header(b'=', (text.len() + 4) as i64);
                self.buf.extend_from_slice(format.as_bytes());
                self.buf.put_u8(b':');
                self.buf.extend_from_slice(text);
                self.buf.extend_from_slice(b"\r\n");
            }
        }
    }

    /// An array of bulk strings.
    pub fn bulk_array<T: AsRef<[u8]>>(&mut self, items: &[T]) {
        self.array(items.len());
        for item in items {
            self.bulk(item.as_ref());
        }
    }
}

/// Formats a double exactly as Redis 7.4's `d2string` does for replies (`addReplyDouble`):
/// `nan`, `inf`/`-inf`, `0`/`-0`, integral values within +-2^62 as plain integers, and every
/// other value through `fpconv_dtoa` (Grisu2): the digits Grisu2 produces (round-trip exact,
/// almost always the shortest), printed plainly for moderate exponents and in `1.5e+20` /
/// `1e-7` form otherwise. Clients see these strings (RESP2 bulk strings, RESP3 doubles), so
/// the algorithm is ported step by step rather than approximated with Rust's formatter.
pub fn format_double(d: f64) -> String {
    if d.is_nan() {
        return "nan".to_string();
    }
    if d.is_infinite() {
        return if d > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    if d == 0.0 {
        return if d.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    // double2ll: integral values in [-(LLONG_MAX/2), LLONG_MAX/2] print as integers.
    let half = (i64::MAX / 2) as f64;
    if (-half..=half).contains(&d) {
        let ll = d as i64;
        if ll as f64 == d {
            return ll.to_string();
        }
    }
    let mut out = Vec::with_capacity(24);
    grisu::fpconv_dtoa(d, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// A port of Redis's `deps/fpconv/fpconv_dtoa.c` (Grisu2 by Florian Loitsch, as adapted by
/// night-shift), kept bit-for-bit faithful including its unsigned wrap-around arithmetic.
mod grisu {
    const FRACMASK: u64 = 0x000F_FFFF_FFFF_FFFF;
    const EXPMASK: u64 = 0x7FF0_0000_0000_0000;
    const HIDDENBIT: u64 = 0x0010_0000_0000_0000;
    const SIGNMASK: u64 = 0x8000_0000_0000_0000;
    const EXPBIAS: i32 = 1023 + 52;
    const NPOWERS: i32 = 87;
    const STEPPOWERS: i32 = 8;
    const FIRSTPOWER: i32 = -348;
    const EXPMAX: i32 = -32;
    const EXPMIN: i32 = -60;

    const TENS: [u64; 20] = [
        10_000_000_000_000_000_000,
        1_000_000_000_000_000_000,
        100_000_000_000_000_000,
        10_000_000_000_000_000,
        1_000_000_000_000_000,
        100_000_000_000_000,
        10_000_000_000_000,
        1_000_000_000_000,
        100_000_000_000,
        10_000_000_000,
        1_000_000_000,
        100_000_000,
        10_000_000,
        1_000_000,
        100_000,
        10_000,
        1_000,
        100,
        10,
        1,
    ];

    #[derive(Clone, Copy)]
    struct Fp {
        frac: u64,
        exp: i32,
    }

    const fn fp(frac: u64, exp: i32) -> Fp {
        Fp { frac, exp }
    }

    /// Normalized approximations of 10^(-348 + 8i).
    static POWERS_TEN: [Fp; 87] = [
        fp(18054884314459144840, -1220),
        fp(13451937075301367670, -1193),
        fp(10022474136428063862, -1166),
        fp(14934650266808366570, -1140),
        fp(11127181549972568877, -1113),
        fp(16580792590934885855, -1087),
        fp(12353653155963782858, -1060),
        fp(18408377700990114895, -1034),
        fp(13715310171984221708, -1007),
        fp(10218702384817765436, -980),
        fp(15227053142812498563, -954),
        fp(11345038669416679861, -927),
        fp(16905424996341287883, -901),
        fp(12595523146049147757, -874),
        fp(9384396036005875287, -847),
        fp(13983839803942852151, -821),
        fp(10418772551374772303, -794),
        fp(15525180923007089351, -768),
        fp(11567161174868858868, -741),
        fp(17236413322193710309, -715),
        fp(12842128665889583758, -688),
        fp(9568131466127621947, -661),
        fp(14257626930069360058, -635),
        fp(10622759856335341974, -608),
        fp(15829145694278690180, -582),
        fp(11793632577567316726, -555),
        fp(17573882009934360870, -529),
        fp(13093562431584567480, -502),
        fp(9755464219737475723, -475),
        fp(14536774485912137811, -449),
        fp(10830740992659433045, -422),
        fp(16139061738043178685, -396),
        fp(12024538023802026127, -369),
        fp(17917957937422433684, -343),
        fp(13349918974505688015, -316),
        fp(9946464728195732843, -289),
        fp(14821387422376473014, -263),
        fp(11042794154864902060, -236),
        fp(16455045573212060422, -210),
        fp(12259964326927110867, -183),
        fp(18268770466636286478, -157),
        fp(13611294676837538539, -130),
        fp(10141204801825835212, -103),
        fp(15111572745182864684, -77),
        fp(11258999068426240000, -50),
        fp(16777216000000000000, -24),
        fp(12500000000000000000, 3),
        fp(9313225746154785156, 30),
        fp(13877787807814456755, 56),
        fp(10339757656912845936, 83),
        fp(15407439555097886824, 109),
        fp(11479437019748901445, 136),
        fp(17105694144590052135, 162),
        fp(12744735289059618216, 189),
        fp(9495567745759798747, 216),
        fp(14149498560666738074, 242),
        fp(10542197943230523224, 269),
        fp(15709099088952724970, 295),
        fp(11704190886730495818, 322),
        fp(17440603504673385349, 348),
        fp(12994262207056124023, 375),
        fp(9681479787123295682, 402),
        fp(14426529090290212157, 428),
        fp(10748601772107342003, 455),
        fp(16016664761464807395, 481),
        fp(11933345169920330789, 508),
        fp(17782069995880619868, 534),
        fp(13248674568444952270, 561),
        fp(9871031767461413346, 588),
        fp(14708983551653345445, 614),
        fp(10959046745042015199, 641),
        fp(16330252207878254650, 667),
        fp(12166986024289022870, 694),
        fp(18130221999122236476, 720),
        fp(13508068024458167312, 747),
        fp(10064294952495520794, 774),
        fp(14996968138956309548, 800),
        fp(11173611982879273257, 827),
        fp(16649979327439178909, 853),
        fp(12405201291620119593, 880),
        fp(9242595204427927429, 907),
        fp(13772540099066387757, 933),
        fp(10261342003245940623, 960),
        fp(15290591125556738113, 986),
        fp(11392378155556871081, 1013),
        fp(16975966327722178521, 1039),
        fp(12648080533535911531, 1066),
    ];

    fn find_cachedpow10(exp: i32) -> (Fp, i32) {
        const ONE_LOG_TEN: f64 = 0.301_029_995_663_981_14;
        let approx = (f64::from(-(exp + NPOWERS)) * ONE_LOG_TEN) as i32;
        let mut idx = (approx - FIRSTPOWER) / STEPPOWERS;
        // The search converges within a step or two for every finite double; the bound
        // only guards against walking off the table.
        for _ in 0..(2 * NPOWERS) {
            idx = idx.clamp(0, NPOWERS - 1);
            let p = POWERS_TEN[idx as usize];
            let current = exp + p.exp + 64;
            if current < EXPMIN {
                idx += 1;
                continue;
            }
            if current > EXPMAX {
                idx -= 1;
                continue;
            }
            return (p, FIRSTPOWER + idx * STEPPOWERS);
        }
        let idx = idx.clamp(0, NPOWERS - 1);
        (POWERS_TEN[idx as usize], FIRSTPOWER + idx * STEPPOWERS)
    }

    fn build_fp(d: f64) -> Fp {
        let bits = d.to_bits();
        let mut f = Fp {
            frac: bits & FRACMASK,
            exp: ((bits & EXPMASK) >> 52) as i32,
        };
        if f.exp != 0 {
            f.frac += HIDDENBIT;
            f.exp -= EXPBIAS;
        } else {
            f.exp = -EXPBIAS + 1;
        }
        f
    }

    fn normalize(f: &mut Fp) {
        while f.frac & HIDDENBIT == 0 {
            f.frac <<= 1;
            f.exp -= 1;
        }
        let shift = 64 - 52 - 1;
        f.frac <<= shift;
        f.exp -= shift;
    }

    fn normalized_boundaries(f: &Fp) -> (Fp, Fp) {
        let mut upper = Fp {
            frac: (f.frac << 1) + 1,
            exp: f.exp - 1,
        };
        while upper.frac & (HIDDENBIT << 1) == 0 {
            upper.frac <<= 1;
            upper.exp -= 1;
        }
        let u_shift = 64 - 52 - 2;
        upper.frac <<= u_shift;
        upper.exp -= u_shift;

        let l_shift = if f.frac == HIDDENBIT { 2 } else { 1 };
        let mut lower = Fp {
            frac: (f.frac << l_shift) - 1,
            exp: f.exp - l_shift,
        };
        lower.frac <<= (lower.exp - upper.exp) as u32;
        lower.exp = upper.exp;
        (lower, upper)
    }

    fn multiply(a: &Fp, b: &Fp) -> Fp {
        const LOMASK: u64 = 0x0000_0000_FFFF_FFFF;
        let ah_bl = (a.frac >> 32) * (b.frac & LOMASK);
        let al_bh = (a.frac & LOMASK) * (b.frac >> 32);
        let al_bl = (a.frac & LOMASK) * (b.frac & LOMASK);
        let ah_bh = (a.frac >> 32) * (b.frac >> 32);
        let mut tmp = (ah_bl & LOMASK) + (al_bh & LOMASK) + (al_bl >> 32);
        // round up
        tmp += 1u64 << 31;
        Fp {
            frac: ah_bh + (ah_bl >> 32) + (al_bh >> 32) + (tmp >> 32),
            exp: a.exp + b.exp + 64,
        }
    }

    fn round_digit(
        digits: &mut [u8],
        ndigits: usize,
        delta: u64,
        mut rem: u64,
        kappa: u64,
        frac: u64,
    ) {
        let Some(last) = ndigits.checked_sub(1) else {
            return;
        };
        while rem < frac
            && delta.wrapping_sub(rem) >= kappa
            && (rem.wrapping_add(kappa) < frac
                || frac.wrapping_sub(rem) > rem.wrapping_add(kappa).wrapping_sub(frac))
        {
            if let Some(d) = digits.get_mut(last) {
                *d = d.wrapping_sub(1);
            }
            rem = rem.wrapping_add(kappa);
        }
    }

    fn generate_digits(
        f: &Fp,
        upper: &Fp,
        lower: &Fp,
        digits: &mut [u8; 18],
        k: &mut i32,
    ) -> usize {
        let wfrac = upper.frac.wrapping_sub(f.frac);
        let mut delta = upper.frac.wrapping_sub(lower.frac);
        let shift = (-upper.exp) as u32;
        let one_frac = 1u64 << shift;
        let mut part1 = upper.frac >> shift;
        let mut part2 = upper.frac & (one_frac - 1);

        let mut idx = 0usize;
        let mut kappa: i32 = 10;
        // 1000000000
        for &div in &TENS[10..] {
            let digit = part1 / div;
            if digit != 0 || idx != 0 {
                if let Some(slot) = digits.get_mut(idx) {
                    *slot = digit as u8 + b'0';
                }
                idx += 1;
            }
            part1 -= digit * div;
            kappa -= 1;
            let tmp = (part1 << shift).wrapping_add(part2);
            if tmp <= delta {
                *k += kappa;
                round_digit(digits, idx, delta, tmp, div << shift, wfrac);
                return idx.min(digits.len());
            }
        }

        // 10
        let mut unit = 18usize;
        loop {
            part2 = part2.wrapping_mul(10);
            delta = delta.wrapping_mul(10);
            kappa -= 1;
            let digit = part2 >> shift;
            if digit != 0 || idx != 0 {
                if let Some(slot) = digits.get_mut(idx) {
                    *slot = digit as u8 + b'0';
                }
                idx += 1;
            }
            part2 &= one_frac - 1;
            if part2 < delta || idx >= digits.len() {
                *k += kappa;
                round_digit(
                    digits,
                    idx,
                    delta,
                    part2,
                    one_frac,
                    wfrac.wrapping_mul(TENS[unit]),
                );
                return idx.min(digits.len());
            }
            unit = unit.saturating_sub(1);
        }
    }

    fn grisu2(d: f64, digits: &mut [u8; 18], k: &mut i32) -> usize {
        let mut w = build_fp(d);
        let (mut lower, mut upper) = normalized_boundaries(&w);
        normalize(&mut w);
        let (cp, kk) = find_cachedpow10(upper.exp);
        w = multiply(&w, &cp);
        upper = multiply(&upper, &cp);
        lower = multiply(&lower, &cp);
        lower.frac = lower.frac.wrapping_add(1);
        upper.frac = upper.frac.wrapping_sub(1);
        *k = -kk;
        generate_digits(&w, &upper, &lower, digits, k)
    }

    fn emit_digits(digits: &[u8], ndigits: usize, dest: &mut Vec<u8>, k: i32, neg: bool) {
        let nd = ndigits as i32;
        let mut exp = (k + nd - 1).abs();

        // write plain integer
        if k >= 0 && exp < nd + 7 {
            dest.extend_from_slice(&digits[..ndigits]);
            dest.resize(dest.len() + k as usize, b'0');
            return;
        }

        // write decimal w/o scientific notation
        if k < 0 && (k > -7 || exp < 4) {
            let offset = nd - k.abs();
            if offset <= 0 {
                // fp < 1.0 -> write leading zero
                dest.extend_from_slice(b"0.");
                dest.resize(dest.len() + (-offset) as usize, b'0');
                dest.extend_from_slice(&digits[..ndigits]);
            } else {
                let offset = offset as usize;
                dest.extend_from_slice(&digits[..offset]);
                dest.push(b'.');
                dest.extend_from_slice(&digits[offset..ndigits]);
            }
            return;
        }

        // write decimal w/ scientific notation
        let ndigits = ndigits.min(18 - usize::from(neg));
        dest.push(digits[0]);
        if ndigits > 1 {
            dest.push(b'.');
            dest.extend_from_slice(&digits[1..ndigits]);
        }
        dest.push(b'e');
        dest.push(if k + ndigits as i32 - 1 < 0 {
            b'-'
        } else {
            b'+'
        });
        let mut cent = 0;
        if exp > 99 {
            cent = exp / 100;
            dest.push(cent as u8 + b'0');
            exp -= cent * 100;
        }
        if exp > 9 {
            let dec = exp / 10;
            dest.push(dec as u8 + b'0');
            exp -= dec * 10;
        } else if cent != 0 {
            dest.push(b'0');
        }
        dest.push((exp % 10) as u8 + b'0');
    }

    /// Appends Redis's `fpconv_dtoa` rendering of `d` to `dest`.
    pub(super) fn fpconv_dtoa(d: f64, dest: &mut Vec<u8>) {
        let bits = d.to_bits();
        let neg = bits & SIGNMASK != 0;
        if neg {
            dest.push(b'-');
        }
        // filter_special
        if d == 0.0 {
            dest.push(b'0');
            return;
        }
        if bits & EXPMASK == EXPMASK {
            dest.extend_from_slice(if bits & FRACMASK != 0 { b"nan" } else { b"inf" });
            return;
        }
        let mut digits = [0u8; 18];
        let mut k = 0;
        let ndigits = grisu2(d, &mut digits, &mut k);
        emit_digits(&digits, ndigits, dest, k, neg);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resp2_fallbacks() {
        let mut r = ReplyBuf::new(Protocol::Resp2);
        r.map(1);
        r.null();
        r.boolean(true);
        r.double(1.5);
        r.set(0);
        r.push(2);
        r.verbatim("txt", b"hi");
        assert_eq!(
            &r.take()[..],
            b"*2\r\n$-1\r\n:1\r\n$3\r\n1.5\r\n*0\r\n*2\r\n$2\r\nhi\r\n"
        );
    }

    #[test]
    fn resp3_types() {
        let mut r = ReplyBuf::new(Protocol::Resp3);
        r.map(1);
        r.null();
        r.boolean(false);
        r.double(f64::INFINITY);
        r.set(0);
        r.push(2);
        r.verbatim("txt", b"hi");
        assert_eq!(
            &r.take()[..],
            b"%1\r\n_\r\n#f\r\n,inf\r\n~0\r\n>2\r\n=6\r\ntxt:hi\r\n"
        );
    }

    #[test]
    fn errors_have_newlines_replaced() {
        let mut r = ReplyBuf::new(Protocol::Resp2);
        r.error("ERR a\r\nb");
        assert_eq!(&r.take()[..], b"-ERR a  b\r\n");
    }

    #[test]
    fn doubles_format_like_redis() {
        assert_eq!(format_double(3.0), "3");
        assert_eq!(format_double(-0.25), "-0.25");
        assert_eq!(format_double(f64::NEG_INFINITY), "-inf");
        assert_eq!(format_double(f64::INFINITY), "inf");
        assert_eq!(format_double(0.0), "0");
        assert_eq!(format_double(-0.0), "-0");
        assert_eq!(format_double(1.5), "1.5");
        assert_eq!(format_double(0.1), "0.1");
        assert_eq!(format_double(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(format_double(-1.0 / 3.0), "-0.3333333333333333");
        assert_eq!(format_double(123456.789), "123456.789");
        assert_eq!(format_double(0.001), "0.001");
        assert_eq!(format_double(1e-7), "1e-7");
        assert_eq!(format_double(1.5e-7), "1.5e-7");
        assert_eq!(format_double(1e300), "1e+300");
        assert_eq!(format_double(-1e300), "-1e+300");
        assert_eq!(format_double(1.5e20), "1.5e+20");
        assert_eq!(format_double(1e21), "1e+21");
        assert_eq!(format_double(f64::MAX), "1.7976931348623157e+308");
        assert_eq!(format_double(5e-324), "5e-324");
        // Integral values up to 2^62 print through ll2string, beyond it through Grisu.
        assert_eq!(format_double(4611686018427387904.0), "4611686018427387904");
        assert_eq!(format_double(9223372036854775808.0), "9223372036854776000");
        assert_eq!(format_double(1e17), "100000000000000000");
        assert_eq!(format_double(-12345.0), "-12345");
        assert_eq!(format_double(2.5e-5), "0.000025");
    }

    proptest::proptest! {
        #[test]
        fn formatted_doubles_round_trip(bits in proptest::prelude::any::<u64>()) {
            let d = f64::from_bits(bits);
            proptest::prop_assume!(d.is_finite());
            let s = format_double(d);
            let back: f64 = s.parse().unwrap();
            proptest::prop_assert_eq!(back.to_bits(), d.to_bits(), "{} -> {}", d, s);
            // 24 characters at most, plus the sign (e.g. -100015420353508720000000).
            proptest::prop_assert!(s.len() <= 24 + usize::from(d.is_sign_negative()));
        }
    }
}
