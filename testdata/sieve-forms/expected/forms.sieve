# Filters for the Acme front desk, kept by hand. Some addresses are written as
# multi-line `text:` strings, as the old rules editor exported them.
require ["fileinto", "envelope", "copy", "vacation", "variables"];

# Everything to the old info address is copied to the desk's own mailbox.
if address :is "to" text: # written by the old editor
info@acme.example
.
{
    redirect :copy text:
desk@acme.example
.
;
}

# Replies the shop sends on our behalf: its Reply-To names the desk.
if header :is "Reply-To" "Info Desk <info@acme.example>" {
    fileinto "INBOX.Shop";
    stop;
}

# Mail that arrived through the old sales alias, whatever the To header says.
if anyof (header :contains "X-Original-To" "sales@acme.example",
          header :matches "To" ["*<sales@acme.example>*", "*sales@acme.example"]) {
    fileinto "INBOX.Sales";
    redirect "\"Sales Team\" <sales-team@acme.example>";
}

# The desk is away over the holidays.
vacation :days 5 :addresses text:
info@acme.example
.
  :from text:
Acme Front Desk <info@acme.example>
.
  text:
We are away until 4 January. Urgent orders: call the shop.
.
;

# A mailing list's replies go to the desk, and so does mail to the old address, which the
# envelope test keeps in a variable.
if header :is "Mail-Followup-To" "info@acme.example" { fileinto "INBOX.Lists"; }
if envelope :matches "to" "*" { set "rcpt" "${1}"; }
if string :is "${rcpt}" "info@acme.example" { fileinto "INBOX.Info"; }
