//! Connection commands: PING, ECHO, QUIT, RESET, HELLO, AUTH, SELECT.

use super::{eq_ic, parse_int, CmdError, CmdResult, Ctx};
use crate::config::REDIS_COMPAT_VERSION;
use crate::protocol::Protocol;
use crate::server::connection::ReplyMode;
use bytes::Bytes;

/// PING [message]. In RESP2 subscribed mode the reply is `["pong", message]`, as in Redis.
pub fn ping(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    if args.len() > 2 {
        return Err(CmdError::WrongArity("ping".into()));
    }
    if ctx.conn.in_pubsub() && ctx.out.protocol() == Protocol::Resp2 {
        ctx.out.array(2);
        ctx.out.bulk(b"pong");
        ctx.out.bulk(args.get(1).map_or(&b""[..], |a| &a[..]));
    } else if let Some(msg) = args.get(1) {
        ctx.out.bulk(msg);
    } else {
        ctx.out.simple("PONG");
    }
    Ok(())
}

/// ECHO message.
pub fn echo(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    ctx.out.bulk(&args[1]);
    Ok(())
}

/// QUIT: reply OK, then close once the reply is sent.
pub fn quit(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    ctx.out.ok();
    ctx.conn.close_after_reply = true;
    Ok(())
}

/// RESET: back to a fresh connection's state (RESP2, db 0, no name, no subscriptions).
pub fn reset(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    ctx.flush();
    ctx.conn.multi = None;
    ctx.conn.multi_dirty = false;
    super::transactions::unwatch_all(ctx);
    super::pubsub::unsubscribe_all_silently(ctx);
    ctx.conn.db = 0;
    ctx.conn.reply_mode = ReplyMode::On;
    ctx.out.set_protocol(Protocol::Resp2);
    ctx.conn.handle.set_protocol(Protocol::Resp2);
    ctx.conn.authenticated = !ctx.shared.acl.auth_required();
    ctx.conn.user = ctx.shared.acl.default_user();
    {
        let mut info = ctx.conn.handle.info();
        info.name.clear();
        info.db = 0;
        info.user = "default".into();
    }
    ctx.out.simple("RESET");
    Ok(())
}

/// AUTH [username] password.
pub fn auth(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    if args.len() > 3 {
        return Err(CmdError::Syntax);
    }
    let (user, pass): (&[u8], &[u8]) = if args.len() == 2 {
        if ctx.shared.acl.default_is_nopass() {
            return Err(CmdError::Other("AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?".into()));
        }
        (b"default", &args[1])
    } else {
        (&args[1], &args[2])
    };
    let user = super::acl::authenticate(ctx, args, user, pass)?;
    super::acl::log_in(ctx, user);
    ctx.out.ok();
    Ok(())
}

/// Validates a client name as CLIENT SETNAME does.
pub fn validate_client_name(name: &[u8]) -> Result<(), CmdError> {
    if name.iter().any(|&c| !(b'!'..=b'~').contains(&c)) {
        return Err(CmdError::Other(
            "Client names cannot contain spaces, newlines or special characters.".into(),
        ));
    }
    Ok(())
}

/// HELLO [protover [AUTH username password] [SETNAME clientname]].
pub fn hello(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let mut proto = None;
    if let Some(v) = args.get(1) {
        let ver = parse_int(v).map_err(|_| {
            CmdError::Other("Protocol version is not an integer or out of range".into())
        })?;
        proto = match ver {
            2 => Some(Protocol::Resp2),
            3 => Some(Protocol::Resp3),
            _ => {
                return Err(CmdError::Coded(
                    "NOPROTO unsupported protocol version".into(),
                ))
            }
        };
    }
    let mut auth: Option<(&Bytes, &Bytes)> = None;
    let mut setname: Option<&Bytes> = None;
    let mut i = 2;
    while i < args.len() {
        let more = args.len() - i - 1;
        if eq_ic(&args[i], "auth") && more >= 2 {
            auth = Some((&args[i + 1], &args[i + 2]));
            i += 3;
        } else if eq_ic(&args[i], "setname") && more >= 1 {
            setname = Some(&args[i + 1]);
            i += 2;
        } else {
            return Err(CmdError::Other(format!(
                "Syntax error in HELLO option '{}'",
                super::arg_for_error(&args[i], 128)
            )));
        }
    }
    if let Some((user, pass)) = auth {
        let user = super::acl::authenticate(ctx, args, user, pass)?;
        super::acl::log_in(ctx, user);
    }
    if !ctx.conn.authenticated {
        return Err(CmdError::Coded("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time".into()));
    }
    if let Some(name) = setname {
        validate_client_name(name)?;
        ctx.conn.handle.info().name = name.to_vec();
    }
    if let Some(p) = proto {
        ctx.out.set_protocol(p);
        ctx.conn.handle.set_protocol(p);
    }
    let out = &mut *ctx.out;
    out.map(7);
    out.bulk(b"server");
    out.bulk(b"redis");
    out.bulk(b"version");
    out.bulk(REDIS_COMPAT_VERSION.as_bytes());
    out.bulk(b"proto");
    out.int(out.protocol().version());
    out.bulk(b"id");
    out.int(ctx.conn.handle.id as i64);
    out.bulk(b"mode");
    out.bulk(b"standalone");
    out.bulk(b"role");
    out.bulk(b"master");
    out.bulk(b"modules");
    out.array(0);
    Ok(())
}

/// SELECT index.
pub fn select(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let idx = parse_int(&args[1])?;
    if i32::try_from(idx).is_err() {
        return Err(CmdError::Other(
            "value is out of range, value must between -2147483648 and 2147483647".into(),
        ));
    }
    let n = ctx.shared.config().databases as i64;
    if !(0..n).contains(&idx) {
        return Err(CmdError::Other("DB index is out of range".into()));
    }
    ctx.conn.db = idx as usize;
    ctx.conn.handle.info().db = idx as usize;
    ctx.out.ok();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_names() {
        assert!(validate_client_name(b"worker-1").is_ok());
        assert!(validate_client_name(b"a b").is_err());
        assert!(validate_client_name(b"a\nb").is_err());
    }
}
