# Mail filters for the shared inbox at Acme.
# Maintained by hand: ask Jane before changing anything.
require ["fileinto", "envelope", "copy", "body", "imap4flags"];

/*
 * 1. Spam first: the scanner tags it, we file it.
 */
if header :contains "X-Spam-Flag" "YES" {
    fileinto "Junk";
    stop;
}

# 2. Sales and support go to their folders; a copy of sales goes to the CRM.
if address :is ["to", "cc"] ["sales@acme.example", "orders@acme-old.example"] {
    fileinto "INBOX.Sales";
    redirect :copy "crm-intake@partner.example";
} elsif anyof (address :is "to" "support@acme.example",
               header :contains "X-Original-To" "support@acme.example") {
    fileinto "INBOX.Support";
} elsif allof (envelope :is "from" "billing@acme.example",
               not header :matches "subject" "*[automated]*") {
    # Invoices we send ourselves: flag them and keep them.
    addflag "\\Flagged";
    fileinto "INBOX.Billing";
} else {
    keep;
}

# 3. Mail to the old help desk address goes to the support lead.
if header :matches "To" "*<help@acme.example>*" {   # "Help Desk" <...>
    redirect "jane.doe@acme.example";
} elsif header :contains "From" "\"Acme Billing\" <billing@acme.example>" {
    fileinto "INBOX.Billing";
}

/* 4. A body that names info@acme-old.example is not a reference: body tests
      and comments stay as they are. */
if body :contains "info@acme-old.example" {
    fileinto "INBOX.Mentions";
}
