//! Pub/Sub commands: (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PUBLISH, SPUBLISH and PUBSUB.
//!
//! The client's own subscription sets (in its connection state) are the truth for counts in
//! confirmations; the shared registry is updated under its lock together with queueing the
//! confirmation, so confirmations and messages reach the client in a consistent order.

use super::{CmdResult, Ctx};
use crate::pubsub::{encode_confirmation, ChannelKind};
use bytes::Bytes;
use std::sync::atomic::Ordering;

/// Copies an argument so the registry does not pin the whole input buffer it was parsed from.
fn own(arg: &Bytes) -> Bytes {
    Bytes::copy_from_slice(arg)
}

fn subscribe_kind(ctx: &mut Ctx<'_>, args: &[Bytes], kind: ChannelKind) {
    ctx.flush();
    let shared = ctx.shared.clone();
    for ch in &args[1..] {
        let set = match kind {
            ChannelKind::Plain => &mut ctx.conn.channels,
            ChannelKind::Shard => &mut ctx.conn.shard_channels,
        };
        let ch = own(ch);
        let added = set.insert(ch.clone());
        ctx.conn.sync_subscriptions();
        let (label, count): (&[u8], usize) = match kind {
            ChannelKind::Plain => (b"subscribe", ctx.conn.subscription_count()),
            ChannelKind::Shard => (b"ssubscribe", ctx.conn.shard_channels.len()),
        };
        let frame = encode_confirmation(ctx.out.protocol(), label, Some(&ch), count);
        if added {
            shared
                .pubsub
                .subscribe(kind, &ch, &ctx.conn.handle, frame, &shared.output_limits);
        } else {
            let limit = shared.output_limits.get(ctx.conn.handle.class());
            ctx.conn.handle.outbox.push(frame, limit);
        }
    }
}

fn unsubscribe_kind(ctx: &mut Ctx<'_>, args: &[Bytes], kind: ChannelKind) {
    ctx.flush();
    let shared = ctx.shared.clone();
    let label: &[u8] = match kind {
        ChannelKind::Plain => b"unsubscribe",
        ChannelKind::Shard => b"sunsubscribe",
    };
    let targets: Vec<Bytes> = if args.len() > 1 {
        args[1..].to_vec()
    } else {
        match kind {
            ChannelKind::Plain => ctx.conn.channels.iter().cloned().collect(),
            ChannelKind::Shard => ctx.conn.shard_channels.iter().cloned().collect(),
        }
    };
    if targets.is_empty() {
        let count = match kind {
            ChannelKind::Plain => ctx.conn.subscription_count(),
            ChannelKind::Shard => ctx.conn.shard_channels.len(),
        };
        let frame = encode_confirmation(ctx.out.protocol(), label, None, count);
        let limit = shared.output_limits.get(ctx.conn.handle.class());
        ctx.conn.handle.outbox.push(frame, limit);
        return;
    }
    for ch in targets {
        let set = match kind {
            ChannelKind::Plain => &mut ctx.conn.channels,
            ChannelKind::Shard => &mut ctx.conn.shard_channels,
        };
        let removed = set.remove(&ch);
        let count = match kind {
            ChannelKind::Plain => ctx.conn.subscription_count(),
            ChannelKind::Shard => ctx.conn.shard_channels.len(),
        };
        let frame = encode_confirmation(ctx.out.protocol(), label, Some(&ch), count);
        if removed {
            shared
                .pubsub
                .unsubscribe(kind, &ch, &ctx.conn.handle, frame, &shared.output_limits);
        } else {
            let limit = shared.output_limits.get(ctx.conn.handle.class());
            ctx.conn.handle.outbox.push(frame, limit);
        }
        ctx.conn.sync_subscriptions();
    }
}

/// SUBSCRIBE channel [channel ...]
pub fn subscribe(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    subscribe_kind(ctx, args, ChannelKind::Plain);
    Ok(())
}

/// SSUBSCRIBE shardchannel [shardchannel ...]
pub fn ssubscribe(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    subscribe_kind(ctx, args, ChannelKind::Shard);
    Ok(())
}

/// UNSUBSCRIBE [channel ...]
pub fn unsubscribe(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    unsubscribe_kind(ctx, args, ChannelKind::Plain);
    Ok(())
}

/// SUNSUBSCRIBE [shardchannel ...]
pub fn sunsubscribe(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    unsubscribe_kind(ctx, args, ChannelKind::Shard);
    Ok(())
}

/// PSUBSCRIBE pattern [pattern ...]
pub fn psubscribe(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    ctx.flush();
    let shared = ctx.shared.clone();
    for p in &args[1..] {
        let p = own(p);
        let added = ctx.conn.patterns.insert(p.clone());
        ctx.conn.sync_subscriptions();
        let frame = encode_confirmation(
            ctx.out.protocol(),
            b"psubscribe",
            Some(&p),
            ctx.conn.subscription_count(),
        );
        if added {
            shared
                .pubsub
                .psubscribe(&p, &ctx.conn.handle, frame, &shared.output_limits);
        } else {
            let limit = shared.output_limits.get(ctx.conn.handle.class());
            ctx.conn.handle.outbox.push(frame, limit);
        }
    }
    Ok(())
}

/// PUNSUBSCRIBE [pattern ...]
pub fn punsubscribe(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    ctx.flush();
    let shared = ctx.shared.clone();
    let targets: Vec<Bytes> = if args.len() > 1 {
        args[1..].to_vec()
    } else {
        ctx.conn.patterns.iter().cloned().collect()
    };
    if targets.is_empty() {
        let frame = encode_confirmation(
            ctx.out.protocol(),
            b"punsubscribe",
            None,
            ctx.conn.subscription_count(),
        );
        let limit = shared.output_limits.get(ctx.conn.handle.class());
        ctx.conn.handle.outbox.push(frame, limit);
        return Ok(());
    }
    for p in targets {
        let removed = ctx.conn.patterns.remove(&p);
        let frame = encode_confirmation(
            ctx.out.protocol(),
            b"punsubscribe",
            Some(&p),
            ctx.conn.subscription_count(),
        );
        if removed {
            shared
                .pubsub
                .punsubscribe(&p, &ctx.conn.handle, frame, &shared.output_limits);
        } else {
            let limit = shared.output_limits.get(ctx.conn.handle.class());
            ctx.conn.handle.outbox.push(frame, limit);
        }
        ctx.conn.sync_subscriptions();
    }
    Ok(())
}

/// Leaves every channel, pattern and shard channel without sending confirmations (RESET).
pub fn unsubscribe_all_silently(ctx: &mut Ctx<'_>) {
    let conn = &mut *ctx.conn;
    ctx.shared.pubsub.remove_client(
        &conn.handle,
        conn.channels.drain(),
        conn.shard_channels.drain(),
        conn.patterns.drain(),
    );
    conn.sync_subscriptions();
}

fn publish_kind(ctx: &mut Ctx<'_>, args: &[Bytes], kind: ChannelKind) -> CmdResult {
    // No flush needed: a push to the publishing client itself is deferred by the dispatcher
    // and appended after this command's reply, so pipelined PUBLISH replies stay one buffer.
    let shared = ctx.shared;
    let n = shared
        .pubsub
        .publish(kind, &args[1], &args[2], &shared.output_limits);
    shared.stats.pubsub_messages.fetch_add(1, Ordering::Relaxed);
    ctx.out.int(n as i64);
    Ok(())
}

/// PUBLISH channel message
pub fn publish(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    publish_kind(ctx, args, ChannelKind::Plain)
}

/// SPUBLISH shardchannel message
pub fn spublish(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    publish_kind(ctx, args, ChannelKind::Shard)
}

fn list_channels(ctx: &mut Ctx<'_>, args: &[Bytes], kind: ChannelKind) -> CmdResult {
    if args.len() > 3 {
        return Err(super::CmdError::Other(format!(
            "unknown subcommand or wrong number of arguments for '{}'. Try PUBSUB HELP.",
            super::arg_for_error(&args[1], 128)
        )));
    }
    let chans = ctx
        .shared
        .pubsub
        .channels(kind, args.get(2).map(|p| &p[..]));
    ctx.out.bulk_array(&chans);
    Ok(())
}

fn count_subscribers(ctx: &mut Ctx<'_>, args: &[Bytes], kind: ChannelKind) -> CmdResult {
    // A flat array in both protocols, as Redis replies.
    ctx.out.array(2 * (args.len() - 2));
    for ch in &args[2..] {
        ctx.out.bulk(ch);
        ctx.out.int(ctx.shared.pubsub.numsub(kind, ch) as i64);
    }
    Ok(())
}

/// PUBSUB CHANNELS [pattern]
pub fn channels(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    list_channels(ctx, args, ChannelKind::Plain)
}

/// PUBSUB SHARDCHANNELS [pattern]
pub fn shardchannels(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    list_channels(ctx, args, ChannelKind::Shard)
}

/// PUBSUB NUMSUB [channel ...]
pub fn numsub(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    count_subscribers(ctx, args, ChannelKind::Plain)
}

/// PUBSUB SHARDNUMSUB [shardchannel ...]
pub fn shardnumsub(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    count_subscribers(ctx, args, ChannelKind::Shard)
}

/// PUBSUB NUMPAT
pub fn numpat(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    ctx.out.int(ctx.shared.pubsub.pattern_count() as i64);
    Ok(())
}

/// PUBSUB HELP
pub fn help(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    super::server::help_reply(
        ctx,
        "PUBSUB",
        &[
            "CHANNELS [<pattern>]",
            "    Return the currently active channels matching a <pattern> (default: '*').",
            "NUMPAT",
            "    Return number of subscriptions to patterns.",
            "NUMSUB [<channel> ...]",
            "    Return the number of subscribers for the specified channels, excluding",
            "    pattern subscriptions(default: no channels).",
            "SHARDCHANNELS [<pattern>]",
            "    Return the currently active shard level channels matching a <pattern> (default: '*').",
            "SHARDNUMSUB [<shardchannel> ...]",
            "    Return the number of subscribers for the specified shard level channel(s)",
        ],
    );
    Ok(())
}
