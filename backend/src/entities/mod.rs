//! sea-orm entities, one per table. Behaviour lives in the service modules.
//!
//! Invariant: every table whose rows belong to a campus has a `campus_id` column.

/// An entity whose primary key is a client-made UUIDv7 `id`.
macro_rules! entity {
    ($(#[$doc:meta])* $module:ident, $table:literal { $($field:ident : $ty:ty),* $(,)? }) => {
        $(#[$doc])*
        pub mod $module {
            use sea_orm::entity::prelude::*;

            #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
            #[sea_orm(table_name = $table)]
            pub struct Model {
                #[sea_orm(primary_key, auto_increment = false)]
                pub id: Uuid,
                $(pub $field: $ty,)*
            }

            #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
            pub enum Relation {}

            impl ActiveModelBehavior for ActiveModel {}
        }
    };
}

entity!(campuses, "campuses" { code: String, name_zh: String, name_en: String });
entity!(zones, "zones" { campus_id: Uuid, name_zh: String, name_en: String });
entity!(departments, "departments" { campus_id: Uuid, name_zh: String, name_en: String });
entity!(buildings, "buildings" {
    campus_id: Uuid, zone_id: Option<Uuid>, code: String, name_zh: String, name_en: String,
    kind: String, floors: i32,
});
entity!(floors, "floors" { campus_id: Uuid, building_id: Uuid, level: i32 });
entity!(rooms, "rooms" {
    campus_id: Uuid, building_id: Uuid, floor_id: Uuid, number: String, kind: String, capacity: i32,
});
entity!(beds, "beds" { campus_id: Uuid, room_id: Uuid, label: String });
entity!(canteens, "canteens" { campus_id: Uuid, building_id: Uuid, name_zh: String, name_en: String });
entity!(canteen_windows, "canteen_windows" {
    campus_id: Uuid, canteen_id: Uuid, number: i32, name_zh: String, name_en: String,
});
entity!(dishes, "dishes" {
    campus_id: Uuid, canteen_id: Uuid, window_id: Uuid, name_zh: String, name_en: String,
    price_fen: i64,
});
entity!(parcel_stations, "parcel_stations" {
    campus_id: Uuid, building_id: Uuid, name_zh: String, name_en: String,
});
entity!(lockers, "lockers" { campus_id: Uuid, station_id: Uuid, code: String, size: String });
entity!(resources, "resources" {
    campus_id: Uuid, building_id: Option<Uuid>, kind: String, name_zh: String, name_en: String,
    capacity: i32,
});
entity!(devices, "devices" {
    campus_id: Uuid, building_id: Uuid, room_id: Option<Uuid>, kind: String, serial: String,
});
entity!(
    /// Accounts. `username` is unique across campuses (people log in without naming one).
    users, "users" {
    campus_id: Uuid, username: String, display_name: String, password_hash: String, lang: String,
    active: bool, created_at: DateTimeUtc, updated_at: DateTimeUtc,
});
entity!(user_roles, "user_roles" { campus_id: Uuid, user_id: Uuid, role: String });
entity!(user_scopes, "user_scopes" { campus_id: Uuid, user_id: Uuid, kind: String, ref_id: Uuid });
entity!(
    /// A login on one device: the refresh token's hash, rotated at each refresh.
    sessions, "sessions" {
    campus_id: Uuid, user_id: Uuid, device_id: Option<String>, device_public_key: Option<String>,
    refresh_hash: String, refresh_expires_at: DateTimeUtc, created_at: DateTimeUtc,
    last_used_at: DateTimeUtc, revoked_at: Option<DateTimeUtc>,
});
entity!(audit_log, "audit_log" {
    campus_id: Option<Uuid>, at: DateTimeUtc, action: String, actor_id: Option<Uuid>,
    actor_username: Option<String>, target: Option<String>, ip: Option<String>,
    request_id: Option<String>, detail: Option<String>,
});
entity!(notifications, "notifications" {
    campus_id: Uuid, user_id: Uuid, service: Option<String>, title_zh: String, title_en: String,
    body_zh: String, body_en: String, link: Option<String>, created_at: DateTimeUtc,
    read_at: Option<DateTimeUtc>,
});

entity!(
    /// One install of the app on one device, and how far its commands have applied.
    sync_clients, "sync_clients" {
    campus_id: Uuid, last_applied_seq: i64, created_at: DateTimeUtc, last_seen_at: DateTimeUtc,
});
entity!(
    /// The stored outcome of every applied command; `id` is the command id.
    sync_outcomes, "sync_outcomes" {
    campus_id: Uuid, client_id: Uuid, seq: i64, user_id: Uuid, name: String, status: String,
    code: Option<String>, message: Option<String>, field: Option<String>, applied_at: DateTimeUtc,
});

/// A sync scope's version (bumped in the transaction that changes its rows),
/// checksum and tombstone horizon.
pub mod sync_scopes {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "sync_scopes")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub scope: String,
        pub campus_id: Uuid,
        pub version: i64,
        pub checksum: i64,
        pub horizon: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The latest state of each row of each scope; `data: None` is a tombstone.
pub mod sync_rows {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "sync_rows")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub scope: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub entity: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub row_id: Uuid,
        pub campus_id: Uuid,
        pub version: i64,
        pub data: Option<String>,
        pub hash: i64,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

entity!(
    /// A ledger account: its four sums and its limits (`shared::ledger`).
    ledger_accounts, "ledger_accounts" {
    campus_id: Uuid, kind: String, holder: String, owner_id: Option<Uuid>,
    debits_posted: i64, credits_posted: i64, debits_pending: i64, credits_pending: i64,
    credit_limit: i64, frozen: bool, created_at: DateTimeUtc, updated_at: DateTimeUtc,
});
entity!(
    /// An immutable ledger transfer; its id is the client's idempotency key.
    ledger_transfers, "ledger_transfers" {
    campus_id: Uuid, debit_account_id: Uuid, credit_account_id: Uuid, amount: i64,
    phase: String, pending_id: Option<Uuid>, timeout_secs: Option<i32>, code: String,
    linked: bool, reference: Option<String>, created_at: DateTimeUtc,
});

/// The state of a pending (two-phase) transfer: the transfer itself never changes.
pub mod ledger_pending {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "ledger_pending")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub transfer_id: Uuid,
        pub campus_id: Uuid,
        pub state: String,
        pub expires_at: Option<DateTimeUtc>,
        pub resolved_by: Option<Uuid>,
        pub resolved_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A person's wallet: settings and the ledger accounts that hold their money.
pub mod wallets {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "wallets")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: Uuid,
        pub campus_id: Uuid,
        pub wallet_account_id: Uuid,
        pub subsidy_account_id: Uuid,
        pub receivable_account_id: Uuid,
        pub daily_limit: i64,
        pub no_pin_limit: i64,
        pub pin_hash: Option<String>,
        pub pin_failures: i32,
        pub pin_locked_until: Option<DateTimeUtc>,
        pub offline_blocked: bool,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

entity!(
    /// A campus card: it proves who pays; the money is in the ledger.
    cards, "cards" {
    campus_id: Uuid, user_id: Uuid, uid: String, status: String,
    issued_at: DateTimeUtc, updated_at: DateTimeUtc,
});
entity!(
    /// A refund of (part of) a sale, approved by a supervisor.
    refunds, "refunds" {
    campus_id: Uuid, sale_id: Uuid, window_id: Uuid, amount: i64, cashier_id: Uuid,
    supervisor_id: Uuid, created_at: DateTimeUtc,
});
entity!(
    /// A sale at a window, approved (its transfers are in the ledger).
    sales, "sales" {
    campus_id: Uuid, window_id: Uuid, payer_id: Uuid, card_id: Option<Uuid>, method: String,
    amount: i64, from_subsidy: i64, from_wallet: i64, cashier_id: Uuid, status: String,
    created_at: DateTimeUtc,
});

entity!(
    /// A sale a kiosk made offline, as it was settled.
    offline_sales, "offline_sales" {
    campus_id: Uuid, window_id: Uuid, kiosk_id: Uuid, kiosk_seq: i64, cashier_id: Uuid,
    payer_kind: String, payer_ref: String, user_id: Option<Uuid>, amount: i64, from_subsidy: i64,
    from_wallet: i64, from_receivable: i64, status: String, hotlist_version: i64,
    sold_at: DateTimeUtc, settled_at: DateTimeUtc,
});
entity!(
    /// Something reconciliation must look at: a gap in a kiosk's sequence, a
    /// payer not found, a shortfall, a pay code used twice.
    offline_exceptions, "offline_exceptions" {
    campus_id: Uuid, kind: String, kiosk_id: Option<Uuid>, sale_id: Option<Uuid>,
    window_id: Option<Uuid>, user_id: Option<Uuid>, amount: i64, detail: String,
    created_at: DateTimeUtc,
});
entity!(
    /// A canteen's day settled: its windows' tills swept into its merchant account.
    settlements, "settlements" {
    campus_id: Uuid, canteen_id: Uuid, day: String, sales: i32, gross: i64, refunded: i64,
    swept: i64, settled_by: Uuid, created_at: DateTimeUtc,
});

entity!(
    /// A dish's portions on one day and meal period (`dining::portions_id`).
    portions, "portions" {
    campus_id: Uuid, canteen_id: Uuid, window_id: Uuid, dish_id: Uuid, day: String,
    period: String, total: i32, left_count: i32, updated_at: DateTimeUtc,
});
entity!(
    /// A pickup slot's bookings at one window (`dining::slot_id`).
    slot_loads, "slot_loads" {
    campus_id: Uuid, canteen_id: Uuid, window_id: Uuid, start: DateTimeUtc, capacity: i32,
    booked: i32,
});
entity!(
    /// An order at a window: ordered ahead in the app, or sold there.
    orders, "orders" {
    campus_id: Uuid, canteen_id: Uuid, window_id: Uuid, user_id: Option<Uuid>, source: String,
    day: String, period: String, slot: DateTimeUtc, total: i64,
    takeout_building_id: Option<Uuid>, takeout_room: Option<String>, status: String,
    number: String, ready_at: Option<DateTimeUtc>, created_at: DateTimeUtc,
    updated_at: DateTimeUtc, cooking_at: Option<DateTimeUtc>, done_at: Option<DateTimeUtc>,
});
entity!(
    /// One dish of an order, as it was when ordered.
    order_lines, "order_lines" {
    campus_id: Uuid, order_id: Uuid, dish_id: Uuid, name_zh: String, name_en: String,
    quantity: i32, price: i64,
});

entity!(
    /// A takeout order's delivery to a dorm room; couriers claim it.
    delivery_tasks, "delivery_tasks" {
    campus_id: Uuid, canteen_id: Uuid, window_id: Uuid, building_id: Uuid, room: String,
    number: String, slot: DateTimeUtc, fee: i64, status: String, courier_id: Option<Uuid>,
    created_at: DateTimeUtc, updated_at: DateTimeUtc,
});

entity!(
    /// A diner's rating of a dish or window of one of their picked-up orders.
    ratings, "ratings" {
    campus_id: Uuid, order_id: Uuid, user_id: Uuid, window_id: Uuid, dish_id: Option<Uuid>,
    target: String, stars: i16, comment: Option<String>, created_at: DateTimeUtc,
});
entity!(
    /// A complaint to a canteen, routed to its supervisors.
    complaints, "complaints" {
    campus_id: Uuid, canteen_id: Uuid, window_id: Option<Uuid>, order_id: Option<Uuid>,
    user_id: Uuid, text: String, status: String, reply: Option<String>, handled_by: Option<Uuid>,
    created_at: DateTimeUtc, updated_at: DateTimeUtc,
});
entity!(
    /// A food-safety inspection of a canteen.
    inspections, "inspections" {
    campus_id: Uuid, canteen_id: Uuid, date: String, inspector: String, result: String,
    notes: String, photos: String, recorded_by: Uuid, created_at: DateTimeUtc,
});

/// A canteen's opening calendar (`shared::calendar::CanteenCalendar` as JSON).
pub mod canteen_calendars {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "canteen_calendars")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub canteen_id: Uuid,
        pub campus_id: Uuid,
        pub calendar: String,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// What managers keep about a dish: allergens, tags, nutrition, periods.
pub mod dish_details {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "dish_details")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub dish_id: Uuid,
        pub campus_id: Uuid,
        pub allergens: String,
        pub tags: String,
        pub periods: String,
        pub energy_kcal: i64,
        pub protein_mg: i64,
        pub fat_mg: i64,
        pub carbohydrate_mg: i64,
        pub sodium_mg: i64,
        pub photo: Option<String>,
        pub default_portions: i32,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A window's pickup slot capacity and minutes per order.
pub mod window_settings {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "window_settings")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub window_id: Uuid,
        pub campus_id: Uuid,
        pub slot_capacity: i32,
        pub prep_minutes: i32,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The last order number given at a window on a day.
pub mod order_counters {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "order_counters")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub window_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub day: String,
        pub campus_id: Uuid,
        pub last: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

entity!(
    /// A thing with a QR tag (`HQ-…`) that can break: a water heater, an air conditioner.
    assets, "assets" {
    campus_id: Uuid, code: String, category: String, name_zh: String, name_en: String,
    building_id: Uuid, room: Option<String>,
});
entity!(
    /// A repair job (`houqin_shared::repairs::WorkOrder`); photos are JSON
    /// arrays; `archived_at`: when, closed long enough, it left its zone's scope.
    work_orders, "work_orders" {
    campus_id: Uuid, number: String, category: String, urgency: String, status: String,
    building_id: Option<Uuid>, room: Option<String>, asset_id: Option<Uuid>, zone_id: Option<Uuid>,
    description: String, photos: String, after_photos: String, reporter_id: Option<Uuid>,
    assignee_id: Option<Uuid>, completed_by: Option<Uuid>, created_at: DateTimeUtc,
    updated_at: DateTimeUtc, respond_by: DateTimeUtc, resolve_by: DateTimeUtc,
    responded_at: Option<DateTimeUtc>, completed_at: Option<DateTimeUtc>,
    closed_at: Option<DateTimeUtc>, escalation: i16, pause_reason: Option<String>, minutes: i32,
    rating: Option<i16>, comment: Option<String>, reopened: i32,
    archived_at: Option<DateTimeUtc>,
});
entity!(
    /// What happened to a work order, who did it and why.
    work_order_events, "work_order_events" {
    campus_id: Uuid, work_order_id: Uuid, at: DateTimeUtc, actor_id: Option<Uuid>,
    subject_id: Option<Uuid>, kind: String, note: String,
});
entity!(
    /// Someone following another person's open work order.
    work_order_followers, "work_order_followers" {
    campus_id: Uuid, work_order_id: Uuid, user_id: Uuid, created_at: DateTimeUtc,
});
entity!(
    /// The parts store.
    parts, "parts" {
    campus_id: Uuid, code: String, name_zh: String, name_en: String, unit_zh: String,
    unit_en: String, stock: i64, unit_cost: i64,
});
entity!(
    /// Parts a job drew (id made by the technician's device).
    part_uses, "part_uses" {
    campus_id: Uuid, work_order_id: Uuid, part_id: Uuid, quantity: i32, unit_cost: i64,
    used_by: Uuid, created_at: DateTimeUtc,
});
entity!(
    /// What dispatch knows about a technician (id: the user).
    technician_profiles, "technician_profiles" {
    campus_id: Uuid, skills: String, zones: String, shift_days: i16, shift_start: i16,
    shift_end: i16, active: bool,
});
entity!(
    /// A campus's SLA target for a category and urgency.
    sla_targets, "sla_targets" {
    campus_id: Uuid, category: String, urgency: String, respond_minutes: i32,
    resolve_minutes: i32,
});
entity!(
    /// A campus's repair settings and its last work order number (id: the campus).
    repair_settings, "repair_settings" {
    campus_id: Uuid, auto_accept_days: i32, last_number: i32,
});

/// How far each kiosk's offline sales have arrived.
pub mod kiosk_sequences {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "kiosk_sequences")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub kiosk_id: Uuid,
        pub campus_id: Uuid,
        pub last_seq: i64,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A campus's offline policy (none: the defaults).
pub mod kiosk_policies {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "kiosk_policies")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub campus_id: Uuid,
        pub per_sale: i64,
        pub per_card_day: i64,
        pub per_kiosk: i64,
        pub max_hotlist_age_secs: i64,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A QR pay code already used (accepted once).
pub mod pay_code_uses {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "pay_code_uses")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub session_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub at: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub nonce: i64,
        pub campus_id: Uuid,
        pub used_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// An attachment (photo) of one campus, named by its content's SHA-256.
pub mod attachments {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "attachments")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub campus_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub sha256: String,
        pub size: i64,
        pub mime: String,
        pub received: i64,
        pub complete: bool,
        pub uploaded_by: Uuid,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// One uploaded chunk of an attachment, at its byte offset.
pub mod attachment_chunks {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "attachment_chunks")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub campus_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub sha256: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub offset: i64,
        pub data: Vec<u8>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Server-wide secrets shared by every replica (the token signing key). Not campus data.
pub mod server_secrets {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "server_secrets")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub name: String,
        pub value: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A row that belongs to one campus.
pub trait CampusRow {
    fn campus_id(&self) -> uuid::Uuid;
}

macro_rules! campus_rows {
    ($($module:ident),*) => {$(
        impl CampusRow for $module::Model {
            fn campus_id(&self) -> uuid::Uuid {
                self.campus_id
            }
        }
    )*};
}

campus_rows!(
    zones,
    departments,
    buildings,
    floors,
    rooms,
    beds,
    canteens,
    canteen_windows,
    dishes,
    parcel_stations,
    lockers,
    resources,
    devices,
    users,
    user_roles,
    user_scopes,
    sessions,
    notifications,
    attachments,
    attachment_chunks,
    ledger_accounts,
    ledger_transfers,
    ledger_pending,
    wallets,
    cards,
    sales,
    pay_code_uses,
    refunds,
    assets,
    work_orders,
    work_order_events,
    work_order_followers,
    parts,
    part_uses,
    technician_profiles,
    sla_targets,
    repair_settings
);
