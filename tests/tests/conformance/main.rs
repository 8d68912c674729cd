//! The conformance suite: every case runs against every provider through
//! `revdns-sim`, so a failure reads `ionos::apply_reports_one_result_per_change`.
//!
//! Each case is an `async fn` generic over [`Subject`] that receives a fresh
//! [`World`] (a demo simulator and the client under test); it uses only the
//! `PtrProvider` trait, the `revdns_core::sync` functions and the simulator.
//! [`conformance!`] instantiates every case once per provider.

mod bad_input;
mod connections;
mod ensure;
mod expiry;
mod faults;
mod gate;
mod partial;
mod read_tolerance;
mod round_trip;
mod safety;
mod scale;
mod table;

use revdns_conformance::{Subject, World};

/// Runs `case` against a fresh world for `P`.
async fn run<P, F, Fut>(case: F)
where
    P: Subject,
    F: FnOnce(World<P>) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    case(World::<P>::start().await).await;
}

/// One test module per provider, holding one test per case.
macro_rules! instantiate {
    ($provider:ident => $client:ty; $($case:path => $name:ident),* $(,)?) => {
        mod $provider {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::run::<$client, _, _>($case).await;
                }
            )*
        }
    };
}

/// Instantiates every case for EDIS, IONOS and ECL.
macro_rules! conformance {
    ($($case:path => $name:ident),* $(,)?) => {
        instantiate!(edis => revdns_edis::Client; $($case => $name),*);
        instantiate!(ionos => revdns_ionos::Client; $($case => $name),*);
        instantiate!(ecl => revdns_ecl::Client; $($case => $name),*);
    };
}

conformance! {
    crate::gate::a_declined_gate_sees_the_plan_and_nothing_is_written
        => a_declined_gate_sees_the_plan_and_nothing_is_written,
    crate::gate::an_accepted_gate_costs_what_apply_costs
        => an_accepted_gate_costs_what_apply_costs,
    crate::read_tolerance::names_revdns_would_not_write_are_read_listed_and_overwritten
        => names_revdns_would_not_write_are_read_listed_and_overwritten,
    crate::round_trip::set_get_delete_round_trips_ipv4_and_ipv6
        => set_get_delete_round_trips_ipv4_and_ipv6,
    crate::round_trip::apply_reports_one_result_per_change
        => apply_reports_one_result_per_change,
    crate::ensure::unchanged_ensure_makes_no_write
        => unchanged_ensure_makes_no_write,
    crate::ensure::remove_is_idempotent_and_skips_absent_ptrs
        => remove_is_idempotent_and_skips_absent_ptrs,
    crate::ensure::upsert_without_comment_keeps_the_stored_comment
        => upsert_without_comment_keeps_the_stored_comment,
    crate::partial::foreign_ip_fails_alone_in_a_batch_of_20
        => foreign_ip_fails_alone_in_a_batch_of_20,
    crate::expiry::credential_expiry_mid_batch_is_survived
        => credential_expiry_mid_batch_is_survived,
    crate::expiry::a_lookup_after_the_credentials_end_renews_them_once
        => a_lookup_after_the_credentials_end_renews_them_once,
    crate::faults::rate_limits_and_503s_are_retried_to_the_exact_end_state
        => rate_limits_and_503s_are_retried_to_the_exact_end_state,
    crate::safety::safety_threshold_trips_and_force_applies
        => safety_threshold_trips_and_force_applies,
    crate::safety::purge_deletes_only_inside_its_scope
        => purge_deletes_only_inside_its_scope,
    crate::scale::thousand_records_ensure_list_get_remove
        => thousand_records_ensure_list_get_remove,
    crate::scale::a_read_of_many_addresses_is_about_those_alone
        => a_read_of_many_addresses_is_about_those_alone,
    crate::bad_input::bad_input_is_refused_before_any_request
        => bad_input_is_refused_before_any_request,
    crate::connections::an_idle_connection_is_not_reused_past_the_idle_limit
        => an_idle_connection_is_not_reused_past_the_idle_limit,
    crate::connections::an_ensure_keeps_at_most_its_limit_of_requests_in_flight
        => an_ensure_keeps_at_most_its_limit_of_requests_in_flight,
    crate::table::mapped_twin_is_a_duplicate_before_sending
        => mapped_twin_is_a_duplicate_before_sending,
    crate::table::get_of_a_foreign_ip_among_20_answers_the_others
        => get_of_a_foreign_ip_among_20_answers_the_others,
    crate::table::ttl_and_comment_follow_the_capabilities
        => ttl_and_comment_follow_the_capabilities,
    crate::table::html_error_pages_keep_their_status_and_metadata
        => html_error_pages_keep_their_status_and_metadata,
    crate::table::lost_answers_never_give_results_that_lie
        => lost_answers_never_give_results_that_lie,
    crate::table::racing_applies_leave_one_ptr_per_address
        => racing_applies_leave_one_ptr_per_address,
    crate::table::endless_pages_end_in_an_invalid_response
        => endless_pages_end_in_an_invalid_response,
    crate::table::rejected_credentials_are_auth_with_the_answer
        => rejected_credentials_are_auth_with_the_answer,
    crate::table::a_timeout_after_the_retries_is_a_typed_timeout
        => a_timeout_after_the_retries_is_a_typed_timeout,
    crate::table::an_operation_past_its_deadline_is_a_deadline_error
        => an_operation_past_its_deadline_is_a_deadline_error,
    crate::table::an_answer_slower_than_the_deadline_is_cut_at_it
        => an_answer_slower_than_the_deadline_is_cut_at_it,
    crate::table::an_oversized_answer_is_an_invalid_response
        => an_oversized_answer_is_an_invalid_response,
    crate::table::an_answer_in_chunks_is_read_whole
        => an_answer_in_chunks_is_read_whole,
    crate::table::refusals_keep_their_kind_and_answer
        => refusals_keep_their_kind_and_answer,
}
