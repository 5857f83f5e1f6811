//! Pub/Sub commands: (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PUBLISH, SPUBLISH and PUBSUB.
//!
//! The client's own subscription sets (in its connection state) are the truth for counts in
//! confirmations; the shared registry is updated under its lock together with queueing the
//! confirmation, so confirmations and messages reach the client in a consistent order.

use super::{CmdResult, Ctx};
use crate::pubsub::{encode_confirmation, ChannelKind};
use crate::server::connection::ConnState;
use bytes::Bytes;
use std::collections::HashSet;
use std::sync::atomic::Ordering;

/// Copies an argument so the registry does not pin the whole input buffer it was parsed from.
fn own(arg: &Bytes) -> Bytes {
    Bytes::copy_from_slice(arg)
}

/// What a (un)subscribe command works on: plain channels, shard channels or patterns.
#[derive(Clone, Copy)]
enum Target {
    Channel(ChannelKind),
    Pattern,
}

impl Target {
    /// The confirmation labels: (subscribe, unsubscribe).
    fn labels(self) -> (&'static [u8], &'static [u8]) {
        match self {
            Target::Channel(ChannelKind::Plain) => (b"subscribe", b"unsubscribe"),
            Target::Channel(ChannelKind::Shard) => (b"ssubscribe", b"sunsubscribe"),
            Target::Pattern => (b"psubscribe", b"punsubscribe"),
        }
    }

    /// The client's own set for this target.
    fn set(self, conn: &mut ConnState) -> &mut HashSet<Bytes> {
        match self {
            Target::Channel(ChannelKind::Plain) => &mut conn.channels,
            Target::Channel(ChannelKind::Shard) => &mut conn.shard_channels,
            Target::Pattern => &mut conn.patterns,
        }
    }

    /// The running count in confirmations: shard subscriptions count apart, as in Redis 7.
    fn count(self, conn: &ConnState) -> usize {
        match self {
            Target::Channel(ChannelKind::Shard) => conn.shard_channels.len(),
            _ => conn.subscription_count(),
        }
    }
}

/// Queues a confirmation that needs no registry change (already subscribed, not subscribed).
fn push_own(ctx: &Ctx<'_>, frame: Bytes) {
    let limit = ctx.shared.output_limits.get(ctx.conn.handle.class());
    ctx.conn.handle.outbox.push(frame, limit);
}

fn subscribe_to(ctx: &mut Ctx<'_>, args: &[Bytes], target: Target) {
    ctx.flush();
    let shared = ctx.shared.clone();
    let (label, _) = target.labels();
    for name in &args[1..] {
        let name = own(name);
        let added = target.set(ctx.conn).insert(name.clone());
        ctx.conn.sync_subscriptions();
        let count = target.count(ctx.conn);
        let frame = encode_confirmation(ctx.out.protocol(), label, Some(&name), count);
        let (client, limits) = (&ctx.conn.handle, &shared.output_limits);
        match (added, target) {
            (false, _) => push_own(ctx, frame),
            (true, Target::Channel(kind)) => {
                shared.pubsub.subscribe(kind, &name, client, frame, limits)
            }
            (true, Target::Pattern) => shared.pubsub.psubscribe(&name, client, frame, limits),
        }
    }
}

fn unsubscribe_from(ctx: &mut Ctx<'_>, args: &[Bytes], target: Target) {
    ctx.flush();
    let shared = ctx.shared.clone();
    let (_, label) = target.labels();
    let names: Vec<Bytes> = if args.len() > 1 {
        args[1..].to_vec()
    } else {
        target.set(ctx.conn).iter().cloned().collect()
    };
    if names.is_empty() {
        let frame = encode_confirmation(ctx.out.protocol(), label, None, target.count(ctx.conn));
        push_own(ctx, frame);
        return;
    }
    for name in names {
        let removed = target.set(ctx.conn).remove(&name);
        let count = target.count(ctx.conn);
        let frame = encode_confirmation(ctx.out.protocol(), label, Some(&name), count);
        let (client, limits) = (&ctx.conn.handle, &shared.output_limits);
        match (removed, target) {
            (false, _) => push_own(ctx, frame),
            (true, Target::Channel(kind)) => shared
                .pubsub
                .unsubscribe(kind, &name, client, frame, limits),
            (true, Target::Pattern) => shared.pubsub.punsubscribe(&name, client, frame, limits),
        }
        ctx.conn.sync_subscriptions();
    }
}

/// SUBSCRIBE channel [channel ...]
pub fn subscribe(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    subscribe_to(ctx, args, Target::Channel(ChannelKind::Plain));
    Ok(())
}

/// SSUBSCRIBE shardchannel [shardchannel ...]
pub fn ssubscribe(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    subscribe_to(ctx, args, Target::Channel(ChannelKind::Shard));
    Ok(())
}

/// PSUBSCRIBE pattern [pattern ...]
pub fn psubscribe(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    subscribe_to(ctx, args, Target::Pattern);
    Ok(())
}

/// UNSUBSCRIBE [channel ...]
pub fn unsubscribe(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    unsubscribe_from(ctx, args, Target::Channel(ChannelKind::Plain));
    Ok(())
}

/// SUNSUBSCRIBE [shardchannel ...]
pub fn sunsubscribe(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    unsubscribe_from(ctx, args, Target::Channel(ChannelKind::Shard));
    Ok(())
}

/// PUNSUBSCRIBE [pattern ...]
pub fn punsubscribe(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    unsubscribe_from(ctx, args, Target::Pattern);
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
