//! Arrow Flight SQL into one workspace, for R, Python (ADBC), DBeaver and other standard
//! clients on the platform's analysis servers. It listens on its own address
//! (`flight_sql_listen`, loopback by default), so an operator exposes it only inside the
//! secure zone.
//!
//! A call proves who it is with the user's API token (`authorization: Bearer ork_…`) and
//! names its workspace in the `x-ork-workspace` header (a user named in one workspace only
//! may leave it out). Clients that sign in with a user name and password (Flight's
//! handshake, as the JDBC driver does) give the workspace as the user name and the token as
//! the password; the handshake answers with a bearer value that carries both.
//!
//! Every call goes through the console's rules (`service.rs`): only the permit's named
//! users with a valid certification, only a ready workspace under an active permit, only
//! one SELECT over the snapshot's tables (less a suspended controller's), the same memory
//! and time limits and the same share of concurrent queries. Every query is in the
//! project's log and the audit trail with `via: flight_sql`, the rows actually sent and how
//! it ended; a query refused or failing to plan is logged when it is asked.
//!
//! A ticket holds the query's text and snapshot only: `DoGet` checks the caller and the
//! query again, so a ticket is worth nothing to anyone who may not run the query.

use super::service::{self, Logged};
use crate::auth::{Auth, ClientAddr, Principal, resolve};
use crate::{ApiError, AppState};
use arrow::array::RecordBatch;
use arrow::datatypes::Schema;
use arrow_flight::encode::FlightDataEncoderBuilder;
use arrow_flight::error::FlightError;
use arrow_flight::flight_service_server::{FlightService, FlightServiceServer};
use arrow_flight::sql::metadata::{SqlInfoData, SqlInfoDataBuilder};
use arrow_flight::sql::server::FlightSqlService;
use arrow_flight::sql::{
    ActionClosePreparedStatementRequest, ActionCreatePreparedStatementRequest,
    ActionCreatePreparedStatementResult, CommandGetCatalogs, CommandGetDbSchemas,
    CommandGetSqlInfo, CommandGetTableTypes, CommandGetTables, CommandPreparedStatementQuery,
    CommandStatementQuery, ProstMessageExt, SqlInfo, TicketStatementQuery,
};
use arrow_flight::{
    Action, FlightDescriptor, FlightEndpoint, FlightInfo, HandshakeRequest, HandshakeResponse,
    IpcMessage, SchemaAsIpc, Ticket,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use base64::Engine;
use futures_util::{Stream, StreamExt};
use ork_domain::Lang;
use ork_workspace::query::{self, QueryError, QueryTable};
use prost::Message;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::LazyLock;
use std::time::Instant;
use tokio::net::TcpListener;
use tonic::metadata::MetadataValue;
use tonic::{Request, Response, Status, Streaming};

/// The header naming the workspace a call is for.
pub const WORKSPACE_HEADER: &str = "x-ork-workspace";

/// The one catalog and schema a workspace's tables are in (as SQL may name them).
const CATALOG: &str = "datafusion";
const SCHEMA: &str = "public";

type DataStream = <WorkspaceFlight as FlightService>::DoGetStream;

/// The Flight SQL service over the platform's workspaces.
#[derive(Clone)]
pub struct WorkspaceFlight {
    state: AppState,
}

/// Serves Flight SQL on `listener` until the process ends.
pub async fn serve(state: AppState, listener: TcpListener) -> anyhow::Result<()> {
    let incoming = tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true));
    tonic::transport::Server::builder()
        .add_service(FlightServiceServer::new(WorkspaceFlight { state }))
        .serve_with_incoming(incoming)
        .await?;
    Ok(())
}

/// Binds `addr` and serves Flight SQL in the background; the bound address (an ephemeral
/// port resolved).
pub async fn spawn(state: AppState, addr: SocketAddr) -> anyhow::Result<SocketAddr> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen for Flight SQL on {addr}: {e}"))?;
    let bound = listener.local_addr()?;
    tokio::spawn(async move {
        if let Err(e) = serve(state, listener).await {
            tracing::error!(error = %e, "the Flight SQL service stopped");
        }
    });
    Ok(bound)
}

/// Who is calling, from where, into which workspace.
struct Caller {
    p: Principal,
    client: ClientAddr,
    workspace: String,
    lang: Lang,
}

/// A gRPC status for an API error: its code and its message in the caller's language.
fn status(e: &ApiError, lang: Lang) -> Status {
    let message = format!("{}: {}", e.code, e.message(lang));
    match e.status {
        StatusCode::UNAUTHORIZED => Status::unauthenticated(message),
        StatusCode::FORBIDDEN => Status::permission_denied(message),
        StatusCode::NOT_FOUND => Status::not_found(message),
        StatusCode::CONFLICT => Status::failed_precondition(message),
        StatusCode::TOO_MANY_REQUESTS => Status::resource_exhausted(message),
        StatusCode::SERVICE_UNAVAILABLE => Status::unavailable(message),
        s if s.is_client_error() => Status::invalid_argument(message),
        _ => Status::internal(message),
    }
}

/// The language of a caller not yet known: `accept-language`, else Danish.
fn header_lang(headers: &HeaderMap) -> Lang {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Lang::from_accept_language)
        .unwrap_or_default()
}

/// The bearer value: the API token, and the workspace when the handshake put it there
/// (`WORKSPACE:TOKEN`).
fn bearer(headers: &HeaderMap) -> Option<(Option<&str>, &str)> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, value) = v.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let value = value.trim();
    Some(match value.split_once(':') {
        Some((ws, token)) => (Some(ws), token),
        None => (None, value),
    })
}

/// Basic credentials: the workspace (user name) and the token (password).
fn basic(headers: &HeaderMap) -> Option<(String, String)> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, value) = v.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(value.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

fn client_of<T>(req: &Request<T>) -> ClientAddr {
    ClientAddr(
        req.remote_addr()
            .map_or_else(|| "unknown".to_owned(), |a| a.ip().to_string()),
    )
}

/// What a ticket (and a prepared statement's handle) holds.
#[derive(serde::Serialize, serde::Deserialize)]
struct Handle {
    sql: String,
    snapshot: i64,
}

fn encode_handle(h: &Handle) -> Vec<u8> {
    serde_json::to_vec(h).unwrap_or_default()
}

static SQL_INFO: LazyLock<SqlInfoData> = LazyLock::new(|| {
    let mut b = SqlInfoDataBuilder::new();
    b.append(SqlInfo::FlightSqlServerName, "Dataorkestrator workspace");
    b.append(SqlInfo::FlightSqlServerVersion, env!("CARGO_PKG_VERSION"));
    b.append(SqlInfo::FlightSqlServerArrowVersion, "1.3");
    b.append(SqlInfo::FlightSqlServerReadOnly, true);
    b.append(SqlInfo::FlightSqlServerSql, true);
    b.append(SqlInfo::FlightSqlServerSubstrait, false);
    b.append(SqlInfo::FlightSqlServerTransaction, 0i32);
    b.append(SqlInfo::FlightSqlServerCancel, false);
    b.append(SqlInfo::SqlIdentifierQuoteChar, "\"");
    b.build().expect("the SQL info is well-formed")
});

fn info_for(
    schema: &Schema,
    ticket: Vec<u8>,
    descriptor: FlightDescriptor,
) -> Result<FlightInfo, Status> {
    let endpoint = FlightEndpoint::new().with_ticket(Ticket::new(ticket));
    FlightInfo::new()
        .try_with_schema(schema)
        .map_err(|e| Status::internal(format!("schema: {e}")))
        .map(|i| i.with_endpoint(endpoint).with_descriptor(descriptor))
}

fn one_batch(
    schema: arrow::datatypes::SchemaRef,
    batch: Result<RecordBatch, FlightError>,
) -> Response<DataStream> {
    let stream = FlightDataEncoderBuilder::new()
        .with_schema(schema)
        .build(futures_util::stream::once(async move { batch }))
        .map(|r| r.map_err(Status::from));
    Response::new(Box::pin(stream))
}

impl WorkspaceFlight {
    /// The caller: a valid API token of an enabled account, and the workspace named.
    async fn caller<T>(&self, req: &Request<T>) -> Result<Caller, Status> {
        self.caller_of(req.metadata().as_ref(), client_of(req))
            .await
    }

    async fn caller_of(&self, headers: &HeaderMap, client: ClientAddr) -> Result<Caller, Status> {
        let lang = header_lang(headers);
        let Some((in_bearer, token)) = bearer(headers) else {
            return Err(status(&ApiError::unauthenticated(), lang));
        };
        let mut only_token = HeaderMap::new();
        let value = HeaderValue::from_str(&format!("Bearer {token}"))
            .map_err(|_| status(&ApiError::unauthenticated(), lang))?;
        only_token.insert(header::AUTHORIZATION, value);
        let p = match resolve(&self.state, &only_token).await {
            Ok(Auth::User(p)) => *p,
            Ok(Auth::TokenRejected(why)) => return Err(status(&why.error(), lang)),
            Ok(_) => return Err(status(&ApiError::unauthenticated(), lang)),
            Err(e) => return Err(status(&e, lang)),
        };
        let lang = p.user.lang;
        let named = in_bearer.map(str::to_owned).or_else(|| {
            headers
                .get(WORKSPACE_HEADER)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.trim().to_owned())
        });
        let workspace = match named {
            Some(ws) if !ws.is_empty() => ws,
            _ => self.only_workspace(&p, lang).await?,
        };
        Ok(Caller {
            p,
            client,
            workspace,
            lang,
        })
    }

    /// The caller's one workspace, when the call named none.
    async fn only_workspace(&self, p: &Principal, lang: Lang) -> Result<String, Status> {
        let mine = service::mine(&self.state, p)
            .await
            .map_err(|e| status(&e, lang))?;
        match mine.as_slice() {
            [one] => Ok(one.ws.id.clone()),
            many => {
                let ids: Vec<&str> = many.iter().map(|e| e.ws.id.as_str()).collect();
                let list = if ids.is_empty() {
                    "–".to_owned()
                } else {
                    ids.join(", ")
                };
                Err(status(
                    &ApiError::invalid(
                        "flight_workspace_required",
                        &[("header", &WORKSPACE_HEADER), ("list", &list)],
                    ),
                    lang,
                ))
            }
        }
    }

    /// The tables the caller may query now (all the console's checks), with the snapshot.
    async fn tables(
        &self,
        c: &Caller,
        snapshot: Option<i64>,
    ) -> Result<(i64, Vec<QueryTable>), Status> {
        let state = &self.state;
        if state.workspaces.storage().is_none() {
            return Err(status(&service::unavailable(), c.lang));
        }
        let e = service::enter(state, &c.p, &c.client, &c.workspace)
            .await
            .map_err(|e| status(&e, c.lang))?;
        service::query_tables(state, &e, snapshot)
            .await
            .map_err(|e| status(&e, c.lang))
    }

    async fn log(&self, c: &Caller, q: &Logged<'_>) {
        if let Err(e) = service::log_query(&self.state, &c.p, &c.client, q).await {
            tracing::error!(code = e.code, "a Flight SQL query could not be logged");
        }
    }

    /// Streams a prepared query into `tx` under the time limit and a query slot: whether
    /// the client read it all (`false`: it went away), and the rows it was sent.
    async fn pump(
        &self,
        prepared: query::Prepared,
        tx: &tokio::sync::mpsc::Sender<Result<RecordBatch, FlightError>>,
        rows: &mut u64,
    ) -> Result<bool, QueryError> {
        let limits = &self.state.workspaces.limits;
        let work = async {
            let _turn = self
                .state
                .workspaces
                .queries
                .acquire()
                .await
                .map_err(|_| QueryError::Timeout(limits.timeout))?;
            let mut stream = prepared.stream()?;
            while let Some(batch) = stream.next().await {
                let batch = batch.map_err(|e| QueryError::Failed(query::df_message(&e)))?;
                let n = batch.num_rows() as u64;
                if tx.send(Ok(batch)).await.is_err() {
                    return Ok(false);
                }
                *rows += n;
            }
            Ok(true)
        };
        match tokio::time::timeout(limits.timeout, work).await {
            Ok(r) => r,
            Err(_) => Err(QueryError::Timeout(limits.timeout)),
        }
    }

    /// Checks and plans a query; a refusal or a query that does not plan is logged here.
    async fn prepare(
        &self,
        c: &Caller,
        sql: &str,
        snapshot: Option<i64>,
    ) -> Result<(Handle, query::Prepared, Vec<QueryTable>), Status> {
        let sql = service::sql_text(sql).map_err(|e| status(&e, c.lang))?;
        let (snapshot, tables) = self.tables(c, snapshot).await?;
        let started = Instant::now();
        match query::prepare(&tables, sql, &self.state.workspaces.limits).await {
            Ok(p) => Ok((
                Handle {
                    sql: sql.to_owned(),
                    snapshot,
                },
                p,
                tables,
            )),
            Err(err) => {
                self.log(
                    c,
                    &Logged {
                        workspace: &c.workspace,
                        snapshot,
                        sql,
                        outcome: service::outcome_label(Some(&err)),
                        rows: 0,
                        millis: started.elapsed().as_millis() as i64,
                        via: "flight_sql",
                    },
                )
                .await;
                Err(status(&service::query_error(&err, &tables), c.lang))
            }
        }
    }

    /// Runs a ticket's query, streaming its batches: logged before the first row leaves,
    /// and again with the rows sent when the stream ends.
    async fn run(&self, c: Caller, handle: &[u8]) -> Result<Response<DataStream>, Status> {
        let h: Handle = serde_json::from_slice(handle)
            .map_err(|_| status(&ApiError::invalid("flight_ticket_invalid", &[]), c.lang))?;
        let (h, prepared, _) = self.prepare(&c, &h.sql, Some(h.snapshot)).await?;
        let schema = prepared.schema();
        // Logged before any row leaves; how it ended is added when it has.
        let id = service::log_query(
            &self.state,
            &c.p,
            &c.client,
            &Logged {
                workspace: &c.workspace,
                snapshot: h.snapshot,
                sql: &h.sql,
                outcome: "running",
                rows: 0,
                millis: 0,
                via: "flight_sql",
            },
        )
        .await
        .map_err(|e| status(&e, c.lang))?;
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<RecordBatch, FlightError>>(2);
        let this = self.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            let mut rows = 0u64;
            let outcome = this.pump(prepared, &tx, &mut rows).await;
            let label = match &outcome {
                Ok(true) => "ok",
                Ok(false) => "cancelled",
                Err(e) => service::outcome_label(Some(e)),
            };
            if let Err(e) = &outcome {
                let api = service::query_error(e, &[]);
                let _ = tx
                    .send(Err(FlightError::Tonic(Box::new(status(&api, c.lang)))))
                    .await;
            }
            drop(tx);
            let ended = Logged {
                workspace: &c.workspace,
                snapshot: h.snapshot,
                sql: &h.sql,
                outcome: label,
                rows,
                millis: started.elapsed().as_millis() as i64,
                via: "flight_sql",
            };
            if let Err(e) = service::finish_query(&this.state, &c.p, &c.client, id, &ended).await {
                tracing::error!(
                    code = e.code,
                    query = id,
                    "a Flight SQL query's end could not be logged"
                );
            }
        });
        let batches =
            futures_util::stream::unfold(
                rx,
                |mut rx| async move { rx.recv().await.map(|b| (b, rx)) },
            );
        let stream = FlightDataEncoderBuilder::new()
            .with_schema(schema)
            .build(batches)
            .map(|r| r.map_err(Status::from));
        Ok(Response::new(Box::pin(stream)))
    }

    /// A statement's flight: its result's schema and a ticket to run it.
    async fn flight_for(
        &self,
        req: Request<FlightDescriptor>,
        sql: &str,
    ) -> Result<Response<FlightInfo>, Status> {
        let c = self.caller(&req).await?;
        let (h, prepared, _) = self.prepare(&c, sql, None).await?;
        let ticket = TicketStatementQuery {
            statement_handle: encode_handle(&h).into(),
        };
        let info = info_for(
            &prepared.schema(),
            ticket.as_any().encode_to_vec(),
            req.into_inner(),
        )?;
        Ok(Response::new(info))
    }

    /// A metadata command's flight: its schema and the command itself as the ticket.
    async fn metadata_flight<T: ProstMessageExt>(
        &self,
        req: Request<FlightDescriptor>,
        command: &T,
        schema: &Schema,
    ) -> Result<Response<FlightInfo>, Status> {
        self.caller(&req).await?;
        let info = info_for(schema, command.as_any().encode_to_vec(), req.into_inner())?;
        Ok(Response::new(info))
    }
}

#[tonic::async_trait]
impl FlightSqlService for WorkspaceFlight {
    type FlightService = WorkspaceFlight;

    async fn do_handshake(
        &self,
        request: Request<Streaming<HandshakeRequest>>,
    ) -> Result<
        Response<Pin<Box<dyn Stream<Item = Result<HandshakeResponse, Status>> + Send>>>,
        Status,
    > {
        let headers = request.metadata().as_ref();
        let lang = header_lang(headers);
        // Basic: the workspace and the token; a bearer token is answered as it came.
        let bearer_value = match basic(headers) {
            Some((workspace, token)) => format!("{}:{}", workspace.trim(), token.trim()),
            None => match bearer(headers) {
                Some((Some(ws), token)) => format!("{ws}:{token}"),
                Some((None, token)) => token.to_owned(),
                None => return Err(status(&ApiError::unauthenticated(), lang)),
            },
        };
        let value = MetadataValue::try_from(format!("Bearer {bearer_value}"))
            .map_err(|_| status(&ApiError::unauthenticated(), lang))?;
        let mut check = headers.clone();
        check.insert(
            header::AUTHORIZATION,
            HeaderValue::from_bytes(value.as_bytes())
                .map_err(|_| status(&ApiError::unauthenticated(), lang))?,
        );
        // The credentials must open the workspace now, so a wrong one fails at sign-in.
        let c = self.caller_of(&check, client_of(&request)).await?;
        self.tables(&c, None).await?;
        let payload = bearer_value.clone().into_bytes();
        let output = futures_util::stream::once(async move {
            Ok(HandshakeResponse {
                protocol_version: 0,
                payload: payload.into(),
            })
        });
        let mut response: Response<
            Pin<Box<dyn Stream<Item = Result<HandshakeResponse, Status>> + Send>>,
        > = Response::new(Box::pin(output));
        response.metadata_mut().insert("authorization", value);
        Ok(response)
    }

    async fn get_flight_info_statement(
        &self,
        query: CommandStatementQuery,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        self.flight_for(request, &query.query).await
    }

    async fn get_flight_info_prepared_statement(
        &self,
        cmd: CommandPreparedStatementQuery,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        let c = self.caller(&request).await?;
        let h: Handle = serde_json::from_slice(&cmd.prepared_statement_handle)
            .map_err(|_| status(&ApiError::invalid("flight_ticket_invalid", &[]), c.lang))?;
        let (h, prepared, _) = self.prepare(&c, &h.sql, Some(h.snapshot)).await?;
        let ticket = TicketStatementQuery {
            statement_handle: encode_handle(&h).into(),
        };
        let info = info_for(
            &prepared.schema(),
            ticket.as_any().encode_to_vec(),
            request.into_inner(),
        )?;
        Ok(Response::new(info))
    }

    async fn get_flight_info_catalogs(
        &self,
        query: CommandGetCatalogs,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        let schema = query.into_builder().schema();
        self.metadata_flight(request, &query, &schema).await
    }

    async fn get_flight_info_schemas(
        &self,
        query: CommandGetDbSchemas,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        let schema = query.clone().into_builder().schema();
        self.metadata_flight(request, &query, &schema).await
    }

    async fn get_flight_info_tables(
        &self,
        query: CommandGetTables,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        let schema = query.clone().into_builder().schema();
        self.metadata_flight(request, &query, &schema).await
    }

    async fn get_flight_info_table_types(
        &self,
        query: CommandGetTableTypes,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        let schema = query.into_builder().schema();
        self.metadata_flight(request, &query, &schema).await
    }

    async fn get_flight_info_sql_info(
        &self,
        query: CommandGetSqlInfo,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        let schema = query.clone().into_builder(&SQL_INFO).schema();
        self.metadata_flight(request, &query, &schema).await
    }

    async fn do_get_statement(
        &self,
        ticket: TicketStatementQuery,
        request: Request<Ticket>,
    ) -> Result<Response<DataStream>, Status> {
        let c = self.caller(&request).await?;
        self.run(c, &ticket.statement_handle).await
    }

    async fn do_get_prepared_statement(
        &self,
        query: CommandPreparedStatementQuery,
        request: Request<Ticket>,
    ) -> Result<Response<DataStream>, Status> {
        let c = self.caller(&request).await?;
        self.run(c, &query.prepared_statement_handle).await
    }

    async fn do_get_catalogs(
        &self,
        query: CommandGetCatalogs,
        request: Request<Ticket>,
    ) -> Result<Response<DataStream>, Status> {
        let c = self.caller(&request).await?;
        self.tables(&c, None).await?;
        let mut b = query.into_builder();
        b.append(CATALOG);
        let schema = b.schema();
        Ok(one_batch(schema, b.build()))
    }

    async fn do_get_schemas(
        &self,
        query: CommandGetDbSchemas,
        request: Request<Ticket>,
    ) -> Result<Response<DataStream>, Status> {
        let c = self.caller(&request).await?;
        self.tables(&c, None).await?;
        let mut b = query.into_builder();
        b.append(CATALOG, SCHEMA);
        let schema = b.schema();
        Ok(one_batch(schema, b.build()))
    }

    async fn do_get_tables(
        &self,
        query: CommandGetTables,
        request: Request<Ticket>,
    ) -> Result<Response<DataStream>, Status> {
        let c = self.caller(&request).await?;
        let (_, tables) = self.tables(&c, None).await?;
        let schemas = query::table_schemas(&tables)
            .await
            .map_err(|e| status(&service::query_error(&e, &tables), c.lang))?;
        let mut b = query.into_builder();
        for (name, schema) in &schemas {
            b.append(CATALOG, SCHEMA, name, "TABLE", schema)
                .map_err(|e| Status::internal(format!("table listing: {e}")))?;
        }
        let schema = b.schema();
        Ok(one_batch(schema, b.build()))
    }

    async fn do_get_table_types(
        &self,
        query: CommandGetTableTypes,
        request: Request<Ticket>,
    ) -> Result<Response<DataStream>, Status> {
        self.caller(&request).await?;
        let mut b = query.into_builder();
        b.append("TABLE");
        let schema = b.schema();
        Ok(one_batch(schema, b.build()))
    }

    async fn do_get_sql_info(
        &self,
        query: CommandGetSqlInfo,
        request: Request<Ticket>,
    ) -> Result<Response<DataStream>, Status> {
        self.caller(&request).await?;
        let b = query.into_builder(&SQL_INFO);
        let schema = b.schema();
        Ok(one_batch(schema, b.build()))
    }

    async fn do_action_create_prepared_statement(
        &self,
        query: ActionCreatePreparedStatementRequest,
        request: Request<Action>,
    ) -> Result<ActionCreatePreparedStatementResult, Status> {
        let c = self.caller(&request).await?;
        let (h, prepared, _) = self.prepare(&c, &query.query, None).await?;
        let options = arrow::ipc::writer::IpcWriteOptions::default();
        let IpcMessage(schema) = SchemaAsIpc::new(&prepared.schema(), &options)
            .try_into()
            .map_err(|e: arrow::error::ArrowError| Status::internal(format!("schema: {e}")))?;
        let IpcMessage(parameters) = SchemaAsIpc::new(&Schema::empty(), &options)
            .try_into()
            .map_err(|e: arrow::error::ArrowError| Status::internal(format!("schema: {e}")))?;
        Ok(ActionCreatePreparedStatementResult {
            prepared_statement_handle: encode_handle(&h).into(),
            dataset_schema: schema,
            parameter_schema: parameters,
        })
    }

    async fn do_action_close_prepared_statement(
        &self,
        _query: ActionClosePreparedStatementRequest,
        request: Request<Action>,
    ) -> Result<(), Status> {
        // A handle holds no state on the server: closing it frees nothing.
        self.caller(&request).await?;
        Ok(())
    }

    async fn register_sql_info(&self, _id: i32, _result: &SqlInfo) {}
}
