//! The command line: every command, option and help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Exit codes, as shown at the end of `uid2 --help`.
pub(crate) const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success
  1  failure: a file could not be read or written, the operator's reply was malformed, ...
  2  usage: bad arguments, or no operator / credentials configured
  3  credentials rejected: HTTP 401/403, or a reply that fails authentication under the
     client secret (wrong secret, or the wrong environment for this API key)
  4  finished, but some input lines were rejected (each is reported with its line number)
  5  the token is not valid: decryption or encryption gave a status other than SUCCESS
  6  the operator is unavailable: rate limited (429), 5xx or unreachable after every retry;
     `uid2 map --resume` continues from the last checkpoint
  130 interrupted (Ctrl-C, SIGTERM or SIGHUP): `uid2 map` / `remap` send no new batch, write
      what is complete, checkpoint and print the `--resume` command (a second Ctrl-C stops at
      once; the last checkpoint still holds)

Environment:
  UID2_BASE_URL    the operator's base URL (overridden by --base-url / --environment)
  UID2_API_KEY     the API key (or --api-key-file)
  UID2_SECRET_KEY  the client secret, standard base64 (or --secret-file)

Secrets are never accepted only on the command line: a process's arguments are visible to
other users of the machine (ps, /proc). Give them in the environment or in a file readable
only by you.";

const ABOUT: &str = "UID2 / EUID from the command line: the v2 envelope scripts, token inspection, key sets, \
normalization and hashing, bulk identity mapping with progress and resume, and a local operator.";

/// The `uid2` command line.
#[derive(Parser)]
#[command(
    name = "uid2",
    version,
    about = ABOUT,
    long_about = None,
    after_help = EXIT_CODES_HELP,
    propagate_version = true,
    max_term_width = 100
)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: Global,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Options every command accepts.
#[derive(Args)]
#[command(next_help_heading = "Global options")]
pub(crate) struct Global {
    /// The operator's base URL, e.g. https://operator-integ.uidapi.com or http://127.0.0.1:8080
    /// [env: UID2_BASE_URL]
    #[arg(
        long,
        global = true,
        value_name = "URL",
        conflicts_with = "environment"
    )]
    pub(crate) base_url: Option<String>,

    /// A public environment instead of --base-url
    #[arg(long, short = 'e', global = true, value_name = "ENV")]
    pub(crate) environment: Option<EnvironmentArg>,

    /// Read the API key from this file (default: the UID2_API_KEY variable)
    #[arg(long, global = true, value_name = "FILE")]
    pub(crate) api_key_file: Option<PathBuf>,

    /// Read the client secret from this file (default: the UID2_SECRET_KEY variable)
    #[arg(long, global = true, value_name = "FILE")]
    pub(crate) secret_file: Option<PathBuf>,

    /// Allow an http:// base URL that is not a loopback address (credentials and data then
    /// cross the network unencrypted except for the envelope)
    #[arg(long, global = true)]
    pub(crate) allow_insecure_http: bool,

    /// Seconds allowed for each HTTP request
    #[arg(long, global = true, value_name = "SECS", default_value_t = 30)]
    pub(crate) timeout: u64,

    /// Print results as JSON on standard output: one document per command, or JSON Lines (one
    /// object per input row) for hash, normalize and optout-status; see each command's help
    #[arg(long, global = true)]
    pub(crate) json: bool,

    /// No progress bar and no summary on standard error (errors are still printed)
    #[arg(long, short = 'q', global = true)]
    pub(crate) quiet: bool,
}

/// The public operator environments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum EnvironmentArg {
    /// UID2 integration: https://operator-integ.uidapi.com
    #[value(name = "uid2-integ")]
    Uid2Integ,
    /// UID2 production: https://global.prod.uidapi.com
    #[value(name = "uid2-prod")]
    Uid2Prod,
    /// EUID integration: https://integ.euid.eu
    #[value(name = "euid-integ")]
    EuidInteg,
    /// EUID production: https://prod.euid.eu
    #[value(name = "euid-prod")]
    EuidProd,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// The v2 docs' encrypt_request.py / decrypt_response.py, same pipe, same output
    #[command(subcommand)]
    Envelope(EnvelopeCommand),
    /// Inspect, decrypt, encrypt, generate and refresh tokens
    #[command(subcommand)]
    Token(TokenCommand),
    /// Download and describe key sets
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Normalize emails or phone numbers, offline
    Normalize(IdentityFileArgs),
    /// Hash emails or phone numbers as the operator does (SHA-256, base64), offline
    Hash(IdentityFileArgs),
    /// Map a CSV file of emails, phones or hashes to raw UID2s (/v3/identity/map)
    Map(MapArgs),
    /// Re-map the rows of a `uid2 map` output whose refresh_from has passed
    Remap(RemapArgs),
    /// Which raw UID2s of a file have opted out (/v2/optout/status)
    #[command(name = "optout-status")]
    OptoutStatus(OptoutArgs),
    /// Run a local operator on 127.0.0.1 (test credentials, no network needed)
    #[command(subcommand)]
    Operator(OperatorCommand),
}

/// Where a client secret for the envelope commands comes from.
#[derive(Args)]
pub(crate) struct SecretArgs {
    /// The client secret (standard base64). WARNING: the command line is visible to other
    /// users (ps, /proc); prefer UID2_SECRET_KEY or --secret-file
    #[arg(long, value_name = "BASE64")]
    pub(crate) secret: Option<String>,
}

#[derive(Subcommand)]
pub(crate) enum EnvelopeCommand {
    /// Seal standard input (a JSON request) into a request envelope, as the docs'
    /// encrypt_request.py: base64 on standard output, the timestamp and nonce on standard error
    #[command(
        name = "encrypt-request",
        after_help = "Example:\n  echo '{\"email\": \"test@example.com\"}' \\\n    | uid2 envelope encrypt-request \\\n    | curl -X POST \"$UID2_BASE_URL/v2/token/generate\" -H \"Authorization: Bearer $UID2_API_KEY\" -d @- \\\n    | uid2 envelope decrypt-response\n\nThe secret comes from --secret, --secret-file or UID2_SECRET_KEY, in that order."
    )]
    EncryptRequest(EncryptRequestArgs),
    /// Open a reply read from standard input, as the docs' decrypt_response.py: the timestamp,
    /// the nonce and the JSON indented as Python prints it (an error reply is printed as is)
    #[command(
        name = "decrypt-response",
        after_help = "The nonce is not checked against the request (the pipe does not know it); the \
reply's authentication tag is. For /v2/token/refresh replies pass --is-refresh and, as the secret, \
the refresh_response_key that came with the refresh token."
    )]
    DecryptResponse(DecryptResponseArgs),
}

#[derive(Args)]
pub(crate) struct EncryptRequestArgs {
    #[command(flatten)]
    pub(crate) secret: SecretArgs,
}

#[derive(Args)]
pub(crate) struct DecryptResponseArgs {
    #[command(flatten)]
    pub(crate) secret: SecretArgs,
    /// The reply of /v2/token/refresh: sealed with the refresh_response_key, with no
    /// timestamp or nonce inside
    #[arg(long)]
    pub(crate) is_refresh: bool,
}

/// Which checks token decryption applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ClientArg {
    /// A DSP: domain check for client-side tokens, bidstream lifetime limit
    Bidstream,
    /// A sharing participant: sharing lifetime limit, no domain check
    Sharing,
    /// The deprecated legacy client: no lifetime check, and no domain check without a domain
    Legacy,
}

/// Which key set a token command uses.
#[derive(Args)]
pub(crate) struct KeySource {
    /// A key-set snapshot written by `uid2 keys fetch`
    #[arg(long, value_name = "FILE", conflicts_with = "fetch")]
    pub(crate) keys: Option<PathBuf>,
    /// Download the key set from the operator now (needs credentials)
    #[arg(long)]
    pub(crate) fetch: bool,
}

#[derive(Subcommand)]
pub(crate) enum TokenCommand {
    /// What a token says without any key: version, scope, identity type, master key id, IV,
    /// layout (never a raw UID)
    Inspect {
        /// The token, or - to read it from standard input
        token: String,
    },
    /// Decrypt a token with a key set; on failure, say which check failed and why
    #[command(after_help = "Exit status 5 when the status is not SUCCESS.")]
    Decrypt {
        /// The token, or - to read it from standard input
        token: String,
        /// The bid request's domain or app name (checked for client-side generated tokens)
        #[arg(long, value_name = "NAME")]
        domain: Option<String>,
        /// Which checks apply
        #[arg(long, value_enum, default_value_t = ClientArg::Bidstream)]
        client: ClientArg,
        /// Decrypt as of this time (RFC 3339 or milliseconds since the epoch) instead of now
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
        #[command(flatten)]
        source: KeySource,
    },
    /// Encrypt a raw UID2 into a sharing token (sharing key set)
    Encrypt {
        /// The raw UID2 (base64), or - to read it from standard input
        raw_uid: String,
        #[command(flatten)]
        source: KeySource,
    },
    /// Generate an identity (/v2/token/generate); prints the identity JSON to keep for refresh
    #[command(
        after_help = "The email or phone number is normalized and hashed locally: only the hash is \
sent. A value given on the command line is visible to other users; pass - to read it from \
standard input."
    )]
    Generate(GenerateArgs),
    /// Refresh an identity (/v2/token/refresh) from the JSON that `generate` or `refresh` printed
    Refresh {
        /// The identity JSON file, or - for standard input
        #[arg(default_value = "-")]
        identity: String,
    },
}

/// Exactly one identity for `token generate`.
#[derive(Args)]
#[group(skip)]
#[command(group(clap::ArgGroup::new("identity").required(true).multiple(false)))]
pub(crate) struct GenerateArgs {
    /// An email address (or - for standard input)
    #[arg(long, group = "identity", value_name = "EMAIL")]
    pub(crate) email: Option<String>,
    /// A phone number in E.164 form, e.g. +12345678901 (or - for standard input)
    #[arg(long, group = "identity", value_name = "PHONE")]
    pub(crate) phone: Option<String>,
    /// The base64 SHA-256 of a normalized email
    #[arg(long, group = "identity", value_name = "HASH")]
    pub(crate) email_hash: Option<String>,
    /// The base64 SHA-256 of a phone number
    #[arg(long, group = "identity", value_name = "HASH")]
    pub(crate) phone_hash: Option<String>,
    /// A TCF consent string (EUID)
    #[arg(long, value_name = "STRING")]
    pub(crate) tcf_consent: Option<String>,
}

/// The key endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum KeyRole {
    /// /v2/key/bidstream: DSPs decrypting bid requests
    Bidstream,
    /// /v2/key/sharing: sharing participants
    Sharing,
}

#[derive(Subcommand)]
pub(crate) enum KeysCommand {
    /// Download a key set and save it (owner-only permissions: it holds key secrets)
    Fetch {
        /// Which key set
        #[arg(long, value_enum)]
        role: KeyRole,
        /// Where to write it
        #[arg(long, short = 'o', value_name = "FILE")]
        output: PathBuf,
    },
    /// Describe a saved key set: keys, keysets, sites, activation and expiry, age
    Show {
        /// A file written by `uid2 keys fetch` (or any decrypted key-set document)
        file: PathBuf,
    },
}

/// What the identities of a file are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum IdentityTypeArg {
    /// Email addresses
    Email,
    /// Phone numbers in E.164 form
    Phone,
    /// Email if the value has an @, phone otherwise
    Auto,
}

/// Input of `normalize` and `hash`.
#[derive(Args)]
#[command(
    after_help = "Without --column, each input line is one value and each output line answers \
it (an empty line for an invalid value). With --column, the input is CSV with a header and the \
output is the same CSV with one column added. Invalid values are reported on standard error with \
their line numbers (exit status 4).

With --json the output is JSON Lines, one object per input line or CSV record, in input order:
  {\"line\":1,\"hash\":\"...\"}  or  {\"line\":1,\"normalized\":\"...\"}
  {\"line\":3,\"error\":\"invalid\",\"reason\":\"invalid phone number: ...\"}
With --column each object also has \"input\" (the column's value) and \"record\" (every field by \
column name), except for a line that is not a valid CSV record. \"error\" is one of empty, \
not_utf8, invalid, malformed_record. Nothing is printed per line on standard error then."
)]
pub(crate) struct IdentityFileArgs {
    /// The input file, or - for standard input
    #[arg(default_value = "-")]
    pub(crate) input: String,
    /// What the values are
    #[arg(long = "type", value_enum, default_value_t = IdentityTypeArg::Auto)]
    pub(crate) kind: IdentityTypeArg,
    /// Read this column of a CSV file (with a header) instead of one value per line
    #[arg(long, value_name = "NAME")]
    pub(crate) column: Option<String>,
    /// Write here instead of standard output
    #[arg(long, short = 'o', value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
}

/// What the identity column of a map input holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum MapTypeArg {
    /// Email addresses (normalized and hashed locally)
    Email,
    /// Phone numbers in E.164 form (hashed locally)
    Phone,
    /// Base64 SHA-256 of normalized emails
    #[value(name = "email_hash")]
    EmailHash,
    /// Base64 SHA-256 of phone numbers
    #[value(name = "phone_hash")]
    PhoneHash,
    /// Email if the value has an @, phone otherwise
    Auto,
}

/// How `map` and `remap` send.
#[derive(Debug, Args, Clone)]
pub(crate) struct SendArgs {
    /// Identities per request (the operator allows at most 5,000; requests also stay under 1 MB)
    #[arg(long, value_name = "N", default_value_t = 5000,
          value_parser = clap::value_parser!(u32).range(1..=5000))]
    pub(crate) batch_size: u32,
    /// Requests in flight at once (the operator allows at most 20)
    #[arg(long, value_name = "N", default_value_t = 20,
          value_parser = clap::value_parser!(u32).range(1..=20))]
    pub(crate) max_in_flight: u32,
    /// Attempts per request: HTTP 429, 5xx and connection failures are retried with jittered
    /// exponential backoff
    #[arg(long, value_name = "N", default_value_t = 6,
          value_parser = clap::value_parser!(u32).range(1..=100))]
    pub(crate) attempts: u32,
    /// The first retry waits this long (milliseconds, with jitter); each later one twice as
    /// long, up to 30 s
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    pub(crate) retry_backoff_ms: u64,
}

/// `uid2 map`.
#[derive(Args)]
#[command(
    after_help = "Output: the input columns, then uid, previous_uid, refresh_from (RFC 3339) and \
unmapped_reason (optout, invalid identifier, ...), one row per input row, in input order. Lines \
that are not valid CSV (wrong number of fields) are reported with their line numbers and left \
out; rows whose value is not a valid email or phone get unmapped_reason 'invalid identifier'.

Progress is checkpointed next to the output (OUT.checkpoint). After a crash, Ctrl-C, kill -9 or \
an operator outage, run the same command with --resume: it continues where the checkpoint says, \
with no row lost and none written twice. Memory stays bounded whatever the file size. On Ctrl-C \
(or SIGTERM) no new batch is sent, the rows complete so far are written and checkpointed, and \
the run exits with status 130, printing the command that resumes it.

With --json the summary is one JSON document on standard output, and each rejected line is a \
JSON object on standard error (JSON Lines, every one, no limit of 50):
  {\"line\":43,\"error\":\"invalid\",\"reason\":\"...\",\"unmapped_reason\":\"invalid identifier\"}
  {\"line\":302,\"error\":\"malformed_record\",\"reason\":\"not a valid CSV record: ... (left out)\"}
\"error\" is one of empty, not_utf8, invalid, malformed_record. A line on standard error that \
starts with \"uid2: \" is the closing error or warning, as without --json."
)]
pub(crate) struct MapArgs {
    /// The input CSV file (with a header), or - for standard input (no --resume then)
    pub(crate) input: String,
    /// The output CSV file
    #[arg(long, short = 'o', value_name = "FILE")]
    pub(crate) output: PathBuf,
    /// The column holding the identities
    #[arg(long, value_name = "NAME", default_value = "email")]
    pub(crate) column: String,
    /// What the column holds
    #[arg(long = "type", value_enum, default_value_t = MapTypeArg::Auto)]
    pub(crate) kind: MapTypeArg,
    /// Continue an interrupted run from its checkpoint
    #[arg(long, conflicts_with = "force")]
    pub(crate) resume: bool,
    /// Overwrite an existing output (and discard its checkpoint)
    #[arg(long)]
    pub(crate) force: bool,
    #[command(flatten)]
    pub(crate) send: SendArgs,
}

/// `uid2 remap`.
#[derive(Args)]
#[command(
    after_help = "Rows that are not due are copied unchanged. Without -o the file is replaced when \
the run completes (through a temporary file next to it). --resume, Ctrl-C (exit status 130) and \
--json work as for `uid2 map`; after Ctrl-C the printed command passes --at with the due time \
this run used, so that the resumed run re-maps the same rows."
)]
pub(crate) struct RemapArgs {
    /// A file written by `uid2 map`
    pub(crate) input: PathBuf,
    /// Only rows whose refresh_from has passed (without it, every row)
    #[arg(long)]
    pub(crate) due: bool,
    /// Write here instead of replacing the input
    #[arg(long, short = 'o', value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    /// The column holding the identities
    #[arg(long, value_name = "NAME", default_value = "email")]
    pub(crate) column: String,
    /// What the column holds
    #[arg(long = "type", value_enum, default_value_t = MapTypeArg::Auto)]
    pub(crate) kind: MapTypeArg,
    /// Continue an interrupted run from its checkpoint
    #[arg(long, conflicts_with = "force")]
    pub(crate) resume: bool,
    /// Overwrite an existing output (and discard its checkpoint)
    #[arg(long)]
    pub(crate) force: bool,
    /// Treat this time (RFC 3339 or milliseconds since the epoch) as now
    #[arg(long, value_name = "TIME")]
    pub(crate) at: Option<String>,
    #[command(flatten)]
    pub(crate) send: SendArgs,
}

/// `uid2 optout-status`.
#[derive(Args)]
#[command(
    after_help = "Output: CSV with raw_uid and opted_out_since (RFC 3339, empty when not opted \
out), one row per input value, in input order. Empty lines and lines that are not valid CSV are \
reported on standard error and left out.

With --json the output is JSON Lines, one object per input line or CSV record, in input order:
  {\"line\":1,\"raw_uid\":\"...\",\"opted_out\":true,\"opted_out_since\":\"2025-01-01T00:00:00Z\"}
  {\"line\":2,\"raw_uid\":\"...\",\"opted_out\":false,\"opted_out_since\":null}
  {\"line\":3,\"error\":\"empty\",\"reason\":\"empty line (left out)\"}
\"error\" is empty or malformed_record. Nothing is printed per line on standard error then."
)]
pub(crate) struct OptoutArgs {
    /// One raw UID2 per line (or a CSV file with --column), or - for standard input
    #[arg(default_value = "-")]
    pub(crate) input: String,
    /// Read this column of a CSV file (with a header)
    #[arg(long, value_name = "NAME")]
    pub(crate) column: Option<String>,
    /// Write here instead of standard output
    #[arg(long, short = 'o', value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
}

#[derive(Subcommand)]
pub(crate) enum OperatorCommand {
    /// Serve until Ctrl-C; prints the base URL and the test credentials
    #[command(
        after_help = "Then, in another shell:\n  export UID2_BASE_URL=http://127.0.0.1:8080 UID2_API_KEY=... UID2_SECRET_KEY=...\n  uid2 token generate --email test@example.com\n\nThe same seed gives the same keys and raw UIDs on every run. Documented test identities \
(optout@example.com, +00000000002) are opted out."
    )]
    Serve {
        /// TCP port on 127.0.0.1 (0: any free port)
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Serve EUID instead of UID2
        #[arg(long)]
        euid: bool,
        /// An email, phone number or hash that has opted out (repeatable)
        #[arg(long, value_name = "ENTRY")]
        opt_out: Vec<String>,
    },
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_command_has_help() {
        fn walk(cmd: &clap::Command, path: &str) {
            let name = format!("{path} {}", cmd.get_name());
            if path.is_empty() || cmd.get_name() != "help" {
                assert!(cmd.get_about().is_some(), "{name} has no about text");
                for arg in cmd.get_arguments() {
                    let id = arg.get_id().as_str();
                    if id != "help" && id != "version" {
                        assert!(arg.get_help().is_some(), "{name} --{id} has no help");
                    }
                }
            }
            for sub in cmd.get_subcommands() {
                walk(sub, &name);
            }
        }
        walk(&Cli::command(), "");
    }
}
