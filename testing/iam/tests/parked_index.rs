//! The parked index, end to end on moto: the local stack's table has it as the stack's has, a
//! Query of it answers by destination and due time with what it projects, and the call moto
//! records is authorised on the index's ARN with the destination as its leading key.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use hookway_core::local::resources::create_table;
use hookway_iam::local::calls;
use hookway_testkit::MotoServer;

const TABLE: &str = "hookway-state";
const BILLING: &str = "https://billing.example.com/hooks";

fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_owned())
}

fn n(value: u64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

#[tokio::test]
async fn a_query_of_the_parked_index_is_recorded_as_a_request_on_the_index() {
    let moto = MotoServer::start();
    let aws = moto.sdk_config().await;
    create_table(&aws, TABLE).await.unwrap();
    let dynamodb = aws_sdk_dynamodb::Client::new(&aws);

    // Two events parked for billing (one due, one not yet), one for another destination, and a
    // record that is not parked at all: the index holds only the three parked ones.
    let parked = |id: &str, destination: &str, due: u64| {
        HashMap::from([
            ("pk".to_owned(), s(&format!("event#{id}"))),
            ("parkedFor".to_owned(), s(destination)),
            ("parkedDue".to_owned(), n(due)),
            ("parkedBody".to_owned(), s(&format!("body of {id}"))),
            ("parkedAttributes".to_owned(), s("{}")),
            ("parkedHold".to_owned(), s("circuit")),
            ("parkedAt".to_owned(), n(1_000)),
            ("expiresAt".to_owned(), n(9_999_999_999)),
            ("unprojected".to_owned(), s("not in the index")),
        ])
    };
    for item in [
        parked("a", BILLING, 2_000),
        parked("b", BILLING, 5_000),
        parked("c", "https://audit.example.com/in", 1_500),
        HashMap::from([("pk".to_owned(), s("event#d")), ("expiresAt".to_owned(), n(9_999_999_999))]),
    ] {
        dynamodb.put_item().table_name(TABLE).set_item(Some(item)).send().await.unwrap();
    }

    let due = dynamodb
        .query()
        .table_name(TABLE)
        .index_name("parked")
        .key_condition_expression("parkedFor = :destination AND parkedDue <= :now")
        .expression_attribute_values(":destination", s(BILLING))
        .expression_attribute_values(":now", n(3_000))
        .send()
        .await
        .unwrap();
    let items = due.items();
    assert_eq!(items.len(), 1, "{items:?}");
    let item = &items[0];
    assert_eq!(item["pk"], s("event#a"));
    assert_eq!(item["parkedBody"], s("body of a"));
    for projected in ["parkedFor", "parkedDue", "parkedBody", "parkedAttributes", "parkedHold", "parkedAt"] {
        assert!(item.contains_key(projected), "{projected} in {item:?}");
    }
    assert!(!item.contains_key("unprojected"), "{item:?}");

    let recorded = calls(&moto.endpoint).await.unwrap();
    let queries: Vec<_> =
        recorded.iter().filter(|call| call.service == "dynamodb" && call.operation == "Query").collect();
    let [query] = queries.as_slice() else { panic!("{recorded:#?}") };
    let requests = query.requests("aws").unwrap();
    let [request] = requests.as_slice() else { panic!("{requests:?}") };
    assert_eq!(request.action, "dynamodb:Query");
    assert_eq!(
        request.resource,
        format!("arn:aws:dynamodb:{}:{}:table/{TABLE}/index/parked", query.region, query.account)
    );
    assert_eq!(request.context["dynamodb:leadingkeys"], [BILLING]);
}
