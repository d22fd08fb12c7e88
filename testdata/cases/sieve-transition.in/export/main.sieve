require ["fileinto", "copy"];
# Sales mail, however it was addressed.
if anyof (header :contains "X-Original-To" ["sales@acme.example"],
          header :matches "To" ["*<sales@acme.example>*"]) {
    fileinto "INBOX.Sales";
}
if address :is "to" [text:
info@acme.example
.
]
{
    redirect :copy text:
info@acme.example
.
;
}
