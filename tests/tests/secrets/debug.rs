//! `Debug` of every public type that holds a secret, generated API types
//! included, shows none.

use revdns_edis::api::types as edis;
use revdns_edis::form::{EpochSeconds, JsonIpList, JsonPtrMap};
use serde_json::json;

use crate::{
    ECL_PASSWORD, ECL_STATIC, EDIS_PASSWORD, EDIS_SIGNATURE, IONOS_TOKEN, assert_clean,
    ecl_login_client, ecl_token_client, edis_client, ionos_client,
};

fn show(value: &impl std::fmt::Debug) -> String {
    format!("{value:?} {value:#?}")
}

#[test]
fn generated_edis_types_carrying_secrets_redact_them() {
    let ip = "192.0.2.1".parse().expect("an IP");
    let host = revdns_core::Hostname::new("a.example.net").expect("a name");
    let login = edis::AuthRequest {
        email: "ops@example.net".into(),
        kvm_id: None,
        pw: EDIS_PASSWORD.into(),
    };
    assert_clean("AuthRequest", &show(&login));
    // The value still goes on the wire.
    assert!(
        serde_json::to_string(&login)
            .expect("serialises")
            .contains(EDIS_PASSWORD)
    );

    let get = edis::GetPtrBody {
        api_host: "h".into(),
        ip: JsonIpList(vec![ip]),
        kvm_id: "kvm-1".into(),
        signature: EDIS_SIGNATURE.into(),
        valid_until: EpochSeconds(1),
    };
    let set = edis::SetPtrBody {
        api_host: "h".into(),
        ip: JsonPtrMap([(ip, host)].into_iter().collect()),
        kvm_id: "kvm-1".into(),
        signature: EDIS_SIGNATURE.into(),
        valid_until: EpochSeconds(1),
    };
    let del = edis::DelPtrBody {
        api_host: "h".into(),
        ip: JsonIpList(vec![ip]),
        kvm_id: "kvm-1".into(),
        signature: EDIS_SIGNATURE.into(),
        valid_until: EpochSeconds(1),
    };
    assert_clean("GetPtrBody", &show(&get));
    assert_clean("SetPtrBody", &show(&set));
    assert_clean("DelPtrBody", &show(&del));

    let answer: edis::AuthResponse = serde_json::from_value(json!({
        "status": "success",
        "data": {"kvm-1": {"signature": EDIS_SIGNATURE, "valid_until": 1, "api_host": "h"}}
    }))
    .expect("decodes");
    assert_clean("AuthResponse", &show(&answer));
    assert_clean("AuthSession", &show(&answer.data["kvm-1"]));
}

#[test]
fn builders_credentials_and_clients_redact_secrets() {
    let url = "http://127.0.0.1:9";
    let edis_creds = revdns_edis::Credentials::new("ops@example.net", EDIS_PASSWORD);
    assert_clean("edis Credentials", &show(&edis_creds));
    assert_clean(
        "edis Builder",
        &show(&revdns_edis::Client::builder().credentials(edis_creds)),
    );
    assert_clean("edis Client", &show(&edis_client(url)));

    let token = revdns_ionos::Token::new(IONOS_TOKEN);
    assert_clean("ionos Token", &show(&token));
    assert_clean(
        "ionos Builder",
        &show(&revdns_ionos::Client::builder().token(IONOS_TOKEN)),
    );
    assert_clean("ionos Client", &show(&ionos_client(url)));

    assert_clean(
        "ecl Builder",
        &show(
            &revdns_ecl::Client::builder()
                .password(ECL_PASSWORD)
                .token(ECL_STATIC),
        ),
    );
    assert_clean("ecl Client (login)", &show(&ecl_login_client(url)));
    assert_clean("ecl Client (token)", &show(&ecl_token_client(url)));
}
