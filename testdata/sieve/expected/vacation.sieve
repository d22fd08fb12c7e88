require ["vacation", "fileinto"];

# Out of office for the info@ mailbox, written by hand so the reply can have several lines.
vacation
    :days 3
    :subject "Away until 2 January"
    :from "Acme Info Desk <info@acme.example>"
    :addresses [
        "info@acme.example",
        "sales@acme.example",
        "orders@acme-old.example"
    ]
text:
Hello,

Thank you for your message. The office is closed until 2 January.
For urgent support, write to support@acme-old.example.
..a line that starts with a dot.

-- 
Acme Info Desk
.
;
