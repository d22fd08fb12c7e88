require ["variables", "copy", "fileinto"];
# The team address, set once and used below. cutover's sieve profile leaves `set` alone:
# a variable may hold anything (a custom profile can name the ones that hold addresses).
set "team" "support@acme-old.example";
if header :matches "Subject" "*[ticket #*]*" {
    set :lower "ticket" "${2}";
    fileinto "INBOX.Tickets";
    redirect :copy "${team}";
}
